/**
 * Golden command lines: every encoder × preset × dynamic range × container × decode path that
 * behaves differently. The expected lines are written out literally and were checked by hand
 * against upstream-behaviour §5.6–§5.8, §5.10 and D14; nothing here recomputes them, so any change
 * to a command shows up as a failing row.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { buildTranscodeArgs, type TranscodeSource } from '../../../src/ffmpeg/args.js';
import type { EncoderInfo } from '../../../src/ffmpeg/encoders.js';

const ENCODERS = {
  swHevc: {
    accel: 'none',
    codec: 'hevc',
    encoder: 'libx265',
    description: 'Software HEVC (libx265)',
  },
  swAv1: {
    accel: 'none',
    codec: 'av1',
    encoder: 'libsvtav1',
    description: 'Software AV1 (libsvtav1)',
  },
  nvencSimple: {
    accel: 'nvenc',
    codec: 'hevc',
    encoder: 'hevc_nvenc',
    description: 'NVIDIA NVENC HEVC',
    nvencMode: 'simple',
  },
  nvencExplicit: {
    accel: 'nvenc',
    codec: 'hevc',
    encoder: 'hevc_nvenc',
    description: 'NVIDIA NVENC HEVC',
    nvencMode: 'explicit',
  },
  qsvDirect: {
    accel: 'qsv',
    codec: 'hevc',
    encoder: 'hevc_qsv',
    description: 'Intel Quick Sync HEVC',
    qsvMode: 'direct',
  },
  qsvDerived: {
    accel: 'qsv',
    codec: 'hevc',
    encoder: 'hevc_qsv',
    description: 'Intel Quick Sync HEVC',
    qsvMode: 'vaapi-derived',
    vaapiDevice: '/dev/dri/renderD129',
  },
  vaapi: {
    accel: 'vaapi',
    codec: 'hevc',
    encoder: 'hevc_vaapi',
    description: 'VAAPI HEVC',
    vaapiDevice: '/dev/dri/renderD128',
  },
  vt: {
    accel: 'videotoolbox',
    codec: 'hevc',
    encoder: 'hevc_videotoolbox',
    description: 'Apple VideoToolbox HEVC',
  },
  nvencAv1: { accel: 'nvenc', codec: 'av1', encoder: 'av1_nvenc', description: 'NVIDIA NVENC AV1' },
  qsvAv1: { accel: 'qsv', codec: 'av1', encoder: 'av1_qsv', description: 'Intel Quick Sync AV1' },
  vaapiAv1: { accel: 'vaapi', codec: 'av1', encoder: 'av1_vaapi', description: 'VAAPI AV1' },
  vtAv1: {
    accel: 'videotoolbox',
    codec: 'av1',
    encoder: 'av1_videotoolbox',
    description: 'Apple VideoToolbox AV1',
  },
} satisfies Record<string, EncoderInfo>;

const HDR10 = { is_hdr: true, color_primaries: 'bt2020', color_space: 'bt2020nc', bit_depth: 10 };
const SOURCES = {
  SDR_2160: { height: 2160, bitrate: 20_000_000, bit_depth: 8 },
  SDR_720: { height: 720, bitrate: 4_000_000, bit_depth: 8 },
  HDR10_2160: { height: 2160, bitrate: 20_000_000, color_transfer: 'smpte2084', ...HDR10 },
  HLG_2160: { height: 2160, bitrate: 20_000_000, color_transfer: 'arib-std-b67', ...HDR10 },
} satisfies Record<string, TranscodeSource>;

const PRESET_HEIGHT = { compress: 0, '1080p': 1080, '720p': 720 } as const;

interface Golden {
  encoder: keyof typeof ENCODERS;
  source: keyof typeof SOURCES;
  preset: keyof typeof PRESET_HEIGHT;
  range: 'sdr' | 'hdr' | 'tonemap';
  format: 'mkv' | 'mp4';
  decode: 'hw' | 'sw';
  expected: string;
}

function g(
  encoder: Golden['encoder'],
  source: Golden['source'],
  preset: Golden['preset'],
  range: Golden['range'],
  format: Golden['format'],
  decode: Golden['decode'],
  expected: string,
): Golden {
  return { encoder, source, preset, range, format, decode, expected };
}

// One row per command: the expected argv joined by single spaces.
const GOLDEN: Golden[] = [
  g('swHevc', 'SDR_2160', 'compress', 'sdr', 'mkv', 'hw',
    "-i /media/in.mkv -y -progress pipe:1 -nostats -c:v libx265 -crf 22 -preset medium -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('swHevc', 'SDR_2160', 'compress', 'sdr', 'mkv', 'sw',
    "-i /media/in.mkv -y -progress pipe:1 -nostats -c:v libx265 -crf 22 -preset medium -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('swHevc', 'SDR_2160', '1080p', 'sdr', 'mkv', 'hw',
    "-i /media/in.mkv -y -progress pipe:1 -nostats -vf scale=-2:'min(ih,1080)' -c:v libx265 -crf 22 -preset medium -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('swHevc', 'SDR_2160', '720p', 'sdr', 'mp4', 'sw',
    "-i /media/in.mkv -y -progress pipe:1 -nostats -vf scale=-2:'min(ih,720)' -c:v libx265 -crf 22 -preset medium -map 0:v:0 -map 0:a? -c:a aac -b:a 192k -ac 2 -sn -movflags +faststart /tmp/out.tmp.mp4"),
  g('swHevc', 'SDR_720', '720p', 'sdr', 'mkv', 'hw',
    "-i /media/in.mkv -y -progress pipe:1 -nostats -c:v libx265 -crf 22 -preset medium -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('swHevc', 'HDR10_2160', 'compress', 'hdr', 'mkv', 'hw',
    "-i /media/in.mkv -y -progress pipe:1 -nostats -c:v libx265 -crf 22 -preset medium -pix_fmt yuv420p10le -profile:v main10 -color_primaries bt2020 -color_trc smpte2084 -colorspace bt2020nc -x265-params hdr10=1:repeat-headers=1 -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('swHevc', 'HDR10_2160', '1080p', 'hdr', 'mp4', 'sw',
    "-i /media/in.mkv -y -progress pipe:1 -nostats -vf scale=-2:'min(ih,1080)' -c:v libx265 -crf 22 -preset medium -pix_fmt yuv420p10le -profile:v main10 -color_primaries bt2020 -color_trc smpte2084 -colorspace bt2020nc -x265-params hdr10=1:repeat-headers=1 -map 0:v:0 -map 0:a? -c:a aac -b:a 192k -ac 2 -sn -movflags +faststart /tmp/out.tmp.mp4"),
  g('swHevc', 'HDR10_2160', '720p', 'tonemap', 'mkv', 'hw',
    "-i /media/in.mkv -y -progress pipe:1 -nostats -vf zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=hable:desat=0:peak=100,zscale=t=bt709:m=bt709,format=yuv420p,scale=-2:'min(ih,720)' -c:v libx265 -crf 22 -preset medium -color_primaries bt709 -color_trc bt709 -colorspace bt709 -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('swHevc', 'HDR10_2160', 'compress', 'tonemap', 'mp4', 'sw',
    "-i /media/in.mkv -y -progress pipe:1 -nostats -vf zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=hable:desat=0:peak=100,zscale=t=bt709:m=bt709,format=yuv420p -c:v libx265 -crf 22 -preset medium -color_primaries bt709 -color_trc bt709 -colorspace bt709 -map 0:v:0 -map 0:a? -c:a aac -b:a 192k -ac 2 -sn -movflags +faststart /tmp/out.tmp.mp4"),
  g('swAv1', 'SDR_2160', 'compress', 'sdr', 'mkv', 'hw',
    "-i /media/in.mkv -y -progress pipe:1 -nostats -c:v libsvtav1 -crf 25 -preset 6 -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('swAv1', 'SDR_2160', 'compress', 'sdr', 'mkv', 'sw',
    "-i /media/in.mkv -y -progress pipe:1 -nostats -c:v libsvtav1 -crf 25 -preset 6 -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('swAv1', 'SDR_2160', '1080p', 'sdr', 'mkv', 'hw',
    "-i /media/in.mkv -y -progress pipe:1 -nostats -vf scale=-2:'min(ih,1080)' -c:v libsvtav1 -crf 25 -preset 6 -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('swAv1', 'SDR_2160', '720p', 'sdr', 'mp4', 'sw',
    "-i /media/in.mkv -y -progress pipe:1 -nostats -vf scale=-2:'min(ih,720)' -c:v libsvtav1 -crf 25 -preset 6 -map 0:v:0 -map 0:a? -c:a aac -b:a 192k -ac 2 -sn -movflags +faststart /tmp/out.tmp.mp4"),
  g('swAv1', 'SDR_720', '720p', 'sdr', 'mkv', 'hw',
    "-i /media/in.mkv -y -progress pipe:1 -nostats -c:v libsvtav1 -crf 25 -preset 6 -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('swAv1', 'HDR10_2160', 'compress', 'hdr', 'mkv', 'hw',
    "-i /media/in.mkv -y -progress pipe:1 -nostats -c:v libsvtav1 -crf 25 -preset 6 -pix_fmt yuv420p10le -color_primaries bt2020 -color_trc smpte2084 -colorspace bt2020nc -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('swAv1', 'HDR10_2160', '1080p', 'hdr', 'mp4', 'sw',
    "-i /media/in.mkv -y -progress pipe:1 -nostats -vf scale=-2:'min(ih,1080)' -c:v libsvtav1 -crf 25 -preset 6 -pix_fmt yuv420p10le -color_primaries bt2020 -color_trc smpte2084 -colorspace bt2020nc -map 0:v:0 -map 0:a? -c:a aac -b:a 192k -ac 2 -sn -movflags +faststart /tmp/out.tmp.mp4"),
  g('swAv1', 'HDR10_2160', '720p', 'tonemap', 'mkv', 'hw',
    "-i /media/in.mkv -y -progress pipe:1 -nostats -vf zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=hable:desat=0:peak=100,zscale=t=bt709:m=bt709,format=yuv420p,scale=-2:'min(ih,720)' -c:v libsvtav1 -crf 25 -preset 6 -color_primaries bt709 -color_trc bt709 -colorspace bt709 -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('swAv1', 'HDR10_2160', 'compress', 'tonemap', 'mp4', 'sw',
    "-i /media/in.mkv -y -progress pipe:1 -nostats -vf zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=hable:desat=0:peak=100,zscale=t=bt709:m=bt709,format=yuv420p -c:v libsvtav1 -crf 25 -preset 6 -color_primaries bt709 -color_trc bt709 -colorspace bt709 -map 0:v:0 -map 0:a? -c:a aac -b:a 192k -ac 2 -sn -movflags +faststart /tmp/out.tmp.mp4"),
  g('nvencSimple', 'SDR_2160', 'compress', 'sdr', 'mkv', 'hw',
    "-hwaccel cuda -hwaccel_output_format cuda -i /media/in.mkv -y -progress pipe:1 -nostats -vf scale_cuda=format=nv12 -c:v hevc_nvenc -cq 26 -preset p4 -tune hq -rc vbr -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('nvencSimple', 'SDR_2160', 'compress', 'sdr', 'mkv', 'sw',
    "-i /media/in.mkv -y -progress pipe:1 -nostats -c:v hevc_nvenc -cq 26 -preset p4 -tune hq -rc vbr -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('nvencSimple', 'SDR_2160', '1080p', 'sdr', 'mkv', 'hw',
    "-hwaccel cuda -hwaccel_output_format cuda -i /media/in.mkv -y -progress pipe:1 -nostats -vf scale_cuda=w=-2:h='min(ih,1080)':format=nv12 -c:v hevc_nvenc -cq 26 -preset p4 -tune hq -rc vbr -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('nvencSimple', 'SDR_2160', '720p', 'sdr', 'mp4', 'sw',
    "-i /media/in.mkv -y -progress pipe:1 -nostats -vf scale=-2:'min(ih,720)' -c:v hevc_nvenc -cq 26 -preset p4 -tune hq -rc vbr -map 0:v:0 -map 0:a? -c:a aac -b:a 192k -ac 2 -sn -movflags +faststart /tmp/out.tmp.mp4"),
  g('nvencSimple', 'SDR_720', '720p', 'sdr', 'mkv', 'hw',
    "-hwaccel cuda -hwaccel_output_format cuda -i /media/in.mkv -y -progress pipe:1 -nostats -vf scale_cuda=format=nv12 -c:v hevc_nvenc -cq 26 -preset p4 -tune hq -rc vbr -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('nvencSimple', 'HDR10_2160', 'compress', 'hdr', 'mkv', 'hw',
    "-hwaccel cuda -hwaccel_output_format cuda -i /media/in.mkv -y -progress pipe:1 -nostats -vf scale_cuda=format=p010 -c:v hevc_nvenc -cq 26 -preset p4 -tune hq -rc vbr -profile:v main10 -color_primaries bt2020 -color_trc smpte2084 -colorspace bt2020nc -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('nvencSimple', 'HDR10_2160', '1080p', 'hdr', 'mp4', 'sw',
    "-i /media/in.mkv -y -progress pipe:1 -nostats -vf scale=-2:'min(ih,1080)' -c:v hevc_nvenc -cq 26 -preset p4 -tune hq -rc vbr -pix_fmt p010le -profile:v main10 -color_primaries bt2020 -color_trc smpte2084 -colorspace bt2020nc -map 0:v:0 -map 0:a? -c:a aac -b:a 192k -ac 2 -sn -movflags +faststart /tmp/out.tmp.mp4"),
  g('nvencSimple', 'HDR10_2160', '720p', 'tonemap', 'mkv', 'hw',
    "-i /media/in.mkv -y -progress pipe:1 -nostats -vf zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=hable:desat=0:peak=100,zscale=t=bt709:m=bt709,format=yuv420p,scale=-2:'min(ih,720)' -c:v hevc_nvenc -cq 26 -preset p4 -tune hq -rc vbr -color_primaries bt709 -color_trc bt709 -colorspace bt709 -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('nvencSimple', 'HDR10_2160', 'compress', 'tonemap', 'mp4', 'sw',
    "-i /media/in.mkv -y -progress pipe:1 -nostats -vf zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=hable:desat=0:peak=100,zscale=t=bt709:m=bt709,format=yuv420p -c:v hevc_nvenc -cq 26 -preset p4 -tune hq -rc vbr -color_primaries bt709 -color_trc bt709 -colorspace bt709 -map 0:v:0 -map 0:a? -c:a aac -b:a 192k -ac 2 -sn -movflags +faststart /tmp/out.tmp.mp4"),
  g('nvencExplicit', 'SDR_2160', 'compress', 'sdr', 'mkv', 'hw',
    "-init_hw_device cuda=cu:0 -filter_hw_device cu -hwaccel cuda -hwaccel_output_format cuda -i /media/in.mkv -y -progress pipe:1 -nostats -vf scale_cuda=format=nv12 -c:v hevc_nvenc -cq 26 -preset p4 -tune hq -rc vbr -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('nvencExplicit', 'SDR_2160', 'compress', 'sdr', 'mkv', 'sw',
    "-init_hw_device cuda=cu:0 -filter_hw_device cu -i /media/in.mkv -y -progress pipe:1 -nostats -c:v hevc_nvenc -cq 26 -preset p4 -tune hq -rc vbr -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('nvencExplicit', 'SDR_2160', '1080p', 'sdr', 'mkv', 'hw',
    "-init_hw_device cuda=cu:0 -filter_hw_device cu -hwaccel cuda -hwaccel_output_format cuda -i /media/in.mkv -y -progress pipe:1 -nostats -vf scale_cuda=w=-2:h='min(ih,1080)':format=nv12 -c:v hevc_nvenc -cq 26 -preset p4 -tune hq -rc vbr -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('nvencExplicit', 'SDR_2160', '720p', 'sdr', 'mp4', 'sw',
    "-init_hw_device cuda=cu:0 -filter_hw_device cu -i /media/in.mkv -y -progress pipe:1 -nostats -vf scale=-2:'min(ih,720)' -c:v hevc_nvenc -cq 26 -preset p4 -tune hq -rc vbr -map 0:v:0 -map 0:a? -c:a aac -b:a 192k -ac 2 -sn -movflags +faststart /tmp/out.tmp.mp4"),
  g('nvencExplicit', 'SDR_720', '720p', 'sdr', 'mkv', 'hw',
    "-init_hw_device cuda=cu:0 -filter_hw_device cu -hwaccel cuda -hwaccel_output_format cuda -i /media/in.mkv -y -progress pipe:1 -nostats -vf scale_cuda=format=nv12 -c:v hevc_nvenc -cq 26 -preset p4 -tune hq -rc vbr -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('nvencExplicit', 'HDR10_2160', 'compress', 'hdr', 'mkv', 'hw',
    "-init_hw_device cuda=cu:0 -filter_hw_device cu -hwaccel cuda -hwaccel_output_format cuda -i /media/in.mkv -y -progress pipe:1 -nostats -vf scale_cuda=format=p010 -c:v hevc_nvenc -cq 26 -preset p4 -tune hq -rc vbr -profile:v main10 -color_primaries bt2020 -color_trc smpte2084 -colorspace bt2020nc -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('nvencExplicit', 'HDR10_2160', '1080p', 'hdr', 'mp4', 'sw',
    "-init_hw_device cuda=cu:0 -filter_hw_device cu -i /media/in.mkv -y -progress pipe:1 -nostats -vf scale=-2:'min(ih,1080)' -c:v hevc_nvenc -cq 26 -preset p4 -tune hq -rc vbr -pix_fmt p010le -profile:v main10 -color_primaries bt2020 -color_trc smpte2084 -colorspace bt2020nc -map 0:v:0 -map 0:a? -c:a aac -b:a 192k -ac 2 -sn -movflags +faststart /tmp/out.tmp.mp4"),
  g('nvencExplicit', 'HDR10_2160', '720p', 'tonemap', 'mkv', 'hw',
    "-init_hw_device cuda=cu:0 -filter_hw_device cu -i /media/in.mkv -y -progress pipe:1 -nostats -vf zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=hable:desat=0:peak=100,zscale=t=bt709:m=bt709,format=yuv420p,scale=-2:'min(ih,720)' -c:v hevc_nvenc -cq 26 -preset p4 -tune hq -rc vbr -color_primaries bt709 -color_trc bt709 -colorspace bt709 -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('nvencExplicit', 'HDR10_2160', 'compress', 'tonemap', 'mp4', 'sw',
    "-init_hw_device cuda=cu:0 -filter_hw_device cu -i /media/in.mkv -y -progress pipe:1 -nostats -vf zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=hable:desat=0:peak=100,zscale=t=bt709:m=bt709,format=yuv420p -c:v hevc_nvenc -cq 26 -preset p4 -tune hq -rc vbr -color_primaries bt709 -color_trc bt709 -colorspace bt709 -map 0:v:0 -map 0:a? -c:a aac -b:a 192k -ac 2 -sn -movflags +faststart /tmp/out.tmp.mp4"),
  g('qsvDirect', 'SDR_2160', 'compress', 'sdr', 'mkv', 'hw',
    "-init_hw_device qsv=qsv -filter_hw_device qsv -hwaccel qsv -hwaccel_output_format qsv -i /media/in.mkv -y -progress pipe:1 -nostats -vf format=nv12|qsv,hwupload=extra_hw_frames=64,scale_qsv=format=nv12 -c:v hevc_qsv -global_quality 20 -preset medium -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('qsvDirect', 'SDR_2160', 'compress', 'sdr', 'mkv', 'sw',
    "-init_hw_device qsv=qsv -filter_hw_device qsv -i /media/in.mkv -y -progress pipe:1 -nostats -vf format=nv12,hwupload=extra_hw_frames=64 -c:v hevc_qsv -global_quality 20 -preset medium -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('qsvDirect', 'SDR_2160', '1080p', 'sdr', 'mkv', 'hw',
    "-init_hw_device qsv=qsv -filter_hw_device qsv -hwaccel qsv -hwaccel_output_format qsv -i /media/in.mkv -y -progress pipe:1 -nostats -vf format=nv12|qsv,hwupload=extra_hw_frames=64,scale_qsv=w=-2:h='min(ih,1080)':format=nv12 -c:v hevc_qsv -global_quality 20 -preset medium -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('qsvDirect', 'SDR_2160', '720p', 'sdr', 'mp4', 'sw',
    "-init_hw_device qsv=qsv -filter_hw_device qsv -i /media/in.mkv -y -progress pipe:1 -nostats -vf scale=-2:'min(ih,720)',format=nv12,hwupload=extra_hw_frames=64 -c:v hevc_qsv -global_quality 20 -preset medium -map 0:v:0 -map 0:a? -c:a aac -b:a 192k -ac 2 -sn -movflags +faststart /tmp/out.tmp.mp4"),
  g('qsvDirect', 'SDR_720', '720p', 'sdr', 'mkv', 'hw',
    "-init_hw_device qsv=qsv -filter_hw_device qsv -hwaccel qsv -hwaccel_output_format qsv -i /media/in.mkv -y -progress pipe:1 -nostats -vf format=nv12|qsv,hwupload=extra_hw_frames=64,scale_qsv=format=nv12 -c:v hevc_qsv -global_quality 20 -preset medium -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('qsvDirect', 'HDR10_2160', 'compress', 'hdr', 'mkv', 'hw',
    "-init_hw_device qsv=qsv -filter_hw_device qsv -hwaccel qsv -hwaccel_output_format qsv -i /media/in.mkv -y -progress pipe:1 -nostats -vf format=p010|qsv,hwupload=extra_hw_frames=64,scale_qsv=format=p010 -c:v hevc_qsv -global_quality 20 -preset medium -profile:v main10 -color_primaries bt2020 -color_trc smpte2084 -colorspace bt2020nc -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('qsvDirect', 'HDR10_2160', '1080p', 'hdr', 'mp4', 'sw',
    "-init_hw_device qsv=qsv -filter_hw_device qsv -i /media/in.mkv -y -progress pipe:1 -nostats -vf scale=-2:'min(ih,1080)',format=p010,hwupload=extra_hw_frames=64 -c:v hevc_qsv -global_quality 20 -preset medium -profile:v main10 -color_primaries bt2020 -color_trc smpte2084 -colorspace bt2020nc -map 0:v:0 -map 0:a? -c:a aac -b:a 192k -ac 2 -sn -movflags +faststart /tmp/out.tmp.mp4"),
  g('qsvDirect', 'HDR10_2160', '720p', 'tonemap', 'mkv', 'hw',
    "-init_hw_device qsv=qsv -filter_hw_device qsv -i /media/in.mkv -y -progress pipe:1 -nostats -vf zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=hable:desat=0:peak=100,zscale=t=bt709:m=bt709,format=yuv420p,scale=-2:'min(ih,720)',format=nv12,hwupload=extra_hw_frames=64 -c:v hevc_qsv -global_quality 20 -preset medium -color_primaries bt709 -color_trc bt709 -colorspace bt709 -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('qsvDirect', 'HDR10_2160', 'compress', 'tonemap', 'mp4', 'sw',
    "-init_hw_device qsv=qsv -filter_hw_device qsv -i /media/in.mkv -y -progress pipe:1 -nostats -vf zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=hable:desat=0:peak=100,zscale=t=bt709:m=bt709,format=yuv420p,format=nv12,hwupload=extra_hw_frames=64 -c:v hevc_qsv -global_quality 20 -preset medium -color_primaries bt709 -color_trc bt709 -colorspace bt709 -map 0:v:0 -map 0:a? -c:a aac -b:a 192k -ac 2 -sn -movflags +faststart /tmp/out.tmp.mp4"),
  g('qsvDerived', 'SDR_2160', 'compress', 'sdr', 'mkv', 'hw',
    "-init_hw_device vaapi=va:/dev/dri/renderD129 -init_hw_device qsv=qs@va -filter_hw_device qs -hwaccel qsv -hwaccel_output_format qsv -i /media/in.mkv -y -progress pipe:1 -nostats -vf format=nv12|qsv,hwupload=extra_hw_frames=64,scale_qsv=format=nv12 -c:v hevc_qsv -global_quality 20 -preset medium -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('qsvDerived', 'SDR_2160', 'compress', 'sdr', 'mkv', 'sw',
    "-init_hw_device vaapi=va:/dev/dri/renderD129 -init_hw_device qsv=qs@va -filter_hw_device qs -i /media/in.mkv -y -progress pipe:1 -nostats -vf format=nv12,hwupload=extra_hw_frames=64 -c:v hevc_qsv -global_quality 20 -preset medium -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('qsvDerived', 'SDR_2160', '1080p', 'sdr', 'mkv', 'hw',
    "-init_hw_device vaapi=va:/dev/dri/renderD129 -init_hw_device qsv=qs@va -filter_hw_device qs -hwaccel qsv -hwaccel_output_format qsv -i /media/in.mkv -y -progress pipe:1 -nostats -vf format=nv12|qsv,hwupload=extra_hw_frames=64,scale_qsv=w=-2:h='min(ih,1080)':format=nv12 -c:v hevc_qsv -global_quality 20 -preset medium -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('qsvDerived', 'SDR_2160', '720p', 'sdr', 'mp4', 'sw',
    "-init_hw_device vaapi=va:/dev/dri/renderD129 -init_hw_device qsv=qs@va -filter_hw_device qs -i /media/in.mkv -y -progress pipe:1 -nostats -vf scale=-2:'min(ih,720)',format=nv12,hwupload=extra_hw_frames=64 -c:v hevc_qsv -global_quality 20 -preset medium -map 0:v:0 -map 0:a? -c:a aac -b:a 192k -ac 2 -sn -movflags +faststart /tmp/out.tmp.mp4"),
  g('qsvDerived', 'SDR_720', '720p', 'sdr', 'mkv', 'hw',
    "-init_hw_device vaapi=va:/dev/dri/renderD129 -init_hw_device qsv=qs@va -filter_hw_device qs -hwaccel qsv -hwaccel_output_format qsv -i /media/in.mkv -y -progress pipe:1 -nostats -vf format=nv12|qsv,hwupload=extra_hw_frames=64,scale_qsv=format=nv12 -c:v hevc_qsv -global_quality 20 -preset medium -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('qsvDerived', 'HDR10_2160', 'compress', 'hdr', 'mkv', 'hw',
    "-init_hw_device vaapi=va:/dev/dri/renderD129 -init_hw_device qsv=qs@va -filter_hw_device qs -hwaccel qsv -hwaccel_output_format qsv -i /media/in.mkv -y -progress pipe:1 -nostats -vf format=p010|qsv,hwupload=extra_hw_frames=64,scale_qsv=format=p010 -c:v hevc_qsv -global_quality 20 -preset medium -profile:v main10 -color_primaries bt2020 -color_trc smpte2084 -colorspace bt2020nc -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('qsvDerived', 'HDR10_2160', '1080p', 'hdr', 'mp4', 'sw',
    "-init_hw_device vaapi=va:/dev/dri/renderD129 -init_hw_device qsv=qs@va -filter_hw_device qs -i /media/in.mkv -y -progress pipe:1 -nostats -vf scale=-2:'min(ih,1080)',format=p010,hwupload=extra_hw_frames=64 -c:v hevc_qsv -global_quality 20 -preset medium -profile:v main10 -color_primaries bt2020 -color_trc smpte2084 -colorspace bt2020nc -map 0:v:0 -map 0:a? -c:a aac -b:a 192k -ac 2 -sn -movflags +faststart /tmp/out.tmp.mp4"),
  g('qsvDerived', 'HDR10_2160', '720p', 'tonemap', 'mkv', 'hw',
    "-init_hw_device vaapi=va:/dev/dri/renderD129 -init_hw_device qsv=qs@va -filter_hw_device qs -i /media/in.mkv -y -progress pipe:1 -nostats -vf zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=hable:desat=0:peak=100,zscale=t=bt709:m=bt709,format=yuv420p,scale=-2:'min(ih,720)',format=nv12,hwupload=extra_hw_frames=64 -c:v hevc_qsv -global_quality 20 -preset medium -color_primaries bt709 -color_trc bt709 -colorspace bt709 -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('qsvDerived', 'HDR10_2160', 'compress', 'tonemap', 'mp4', 'sw',
    "-init_hw_device vaapi=va:/dev/dri/renderD129 -init_hw_device qsv=qs@va -filter_hw_device qs -i /media/in.mkv -y -progress pipe:1 -nostats -vf zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=hable:desat=0:peak=100,zscale=t=bt709:m=bt709,format=yuv420p,format=nv12,hwupload=extra_hw_frames=64 -c:v hevc_qsv -global_quality 20 -preset medium -color_primaries bt709 -color_trc bt709 -colorspace bt709 -map 0:v:0 -map 0:a? -c:a aac -b:a 192k -ac 2 -sn -movflags +faststart /tmp/out.tmp.mp4"),
  g('vaapi', 'SDR_2160', 'compress', 'sdr', 'mkv', 'hw',
    "-init_hw_device vaapi=va:/dev/dri/renderD128 -filter_hw_device va -hwaccel vaapi -hwaccel_output_format vaapi -i /media/in.mkv -y -progress pipe:1 -nostats -vf format=nv12|vaapi,hwupload,scale_vaapi=format=nv12 -c:v hevc_vaapi -qp 20 -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('vaapi', 'SDR_2160', 'compress', 'sdr', 'mkv', 'sw',
    "-init_hw_device vaapi=va:/dev/dri/renderD128 -filter_hw_device va -i /media/in.mkv -y -progress pipe:1 -nostats -vf format=nv12,hwupload -c:v hevc_vaapi -qp 20 -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('vaapi', 'SDR_2160', '1080p', 'sdr', 'mkv', 'hw',
    "-init_hw_device vaapi=va:/dev/dri/renderD128 -filter_hw_device va -hwaccel vaapi -hwaccel_output_format vaapi -i /media/in.mkv -y -progress pipe:1 -nostats -vf format=nv12|vaapi,hwupload,scale_vaapi=w=-2:h='min(ih,1080)':format=nv12 -c:v hevc_vaapi -qp 20 -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('vaapi', 'SDR_2160', '720p', 'sdr', 'mp4', 'sw',
    "-init_hw_device vaapi=va:/dev/dri/renderD128 -filter_hw_device va -i /media/in.mkv -y -progress pipe:1 -nostats -vf scale=-2:'min(ih,720)',format=nv12,hwupload -c:v hevc_vaapi -qp 20 -map 0:v:0 -map 0:a? -c:a aac -b:a 192k -ac 2 -sn -movflags +faststart /tmp/out.tmp.mp4"),
  g('vaapi', 'SDR_720', '720p', 'sdr', 'mkv', 'hw',
    "-init_hw_device vaapi=va:/dev/dri/renderD128 -filter_hw_device va -hwaccel vaapi -hwaccel_output_format vaapi -i /media/in.mkv -y -progress pipe:1 -nostats -vf format=nv12|vaapi,hwupload,scale_vaapi=format=nv12 -c:v hevc_vaapi -qp 20 -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('vaapi', 'HDR10_2160', 'compress', 'hdr', 'mkv', 'hw',
    "-init_hw_device vaapi=va:/dev/dri/renderD128 -filter_hw_device va -hwaccel vaapi -hwaccel_output_format vaapi -i /media/in.mkv -y -progress pipe:1 -nostats -vf format=p010|vaapi,hwupload,scale_vaapi=format=p010 -c:v hevc_vaapi -qp 20 -profile:v main10 -color_primaries bt2020 -color_trc smpte2084 -colorspace bt2020nc -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('vaapi', 'HDR10_2160', '1080p', 'hdr', 'mp4', 'sw',
    "-init_hw_device vaapi=va:/dev/dri/renderD128 -filter_hw_device va -i /media/in.mkv -y -progress pipe:1 -nostats -vf scale=-2:'min(ih,1080)',format=p010,hwupload -c:v hevc_vaapi -qp 20 -profile:v main10 -color_primaries bt2020 -color_trc smpte2084 -colorspace bt2020nc -map 0:v:0 -map 0:a? -c:a aac -b:a 192k -ac 2 -sn -movflags +faststart /tmp/out.tmp.mp4"),
  g('vaapi', 'HDR10_2160', '720p', 'tonemap', 'mkv', 'hw',
    "-init_hw_device vaapi=va:/dev/dri/renderD128 -filter_hw_device va -i /media/in.mkv -y -progress pipe:1 -nostats -vf zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=hable:desat=0:peak=100,zscale=t=bt709:m=bt709,format=yuv420p,scale=-2:'min(ih,720)',format=nv12,hwupload -c:v hevc_vaapi -qp 20 -color_primaries bt709 -color_trc bt709 -colorspace bt709 -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('vaapi', 'HDR10_2160', 'compress', 'tonemap', 'mp4', 'sw',
    "-init_hw_device vaapi=va:/dev/dri/renderD128 -filter_hw_device va -i /media/in.mkv -y -progress pipe:1 -nostats -vf zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=hable:desat=0:peak=100,zscale=t=bt709:m=bt709,format=yuv420p,format=nv12,hwupload -c:v hevc_vaapi -qp 20 -color_primaries bt709 -color_trc bt709 -colorspace bt709 -map 0:v:0 -map 0:a? -c:a aac -b:a 192k -ac 2 -sn -movflags +faststart /tmp/out.tmp.mp4"),
  g('vt', 'SDR_2160', 'compress', 'sdr', 'mkv', 'hw',
    "-hwaccel videotoolbox -i /media/in.mkv -y -progress pipe:1 -nostats -c:v hevc_videotoolbox -b:v 10400k -allow_sw 1 -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('vt', 'SDR_2160', 'compress', 'sdr', 'mkv', 'sw',
    "-i /media/in.mkv -y -progress pipe:1 -nostats -c:v hevc_videotoolbox -b:v 10400k -allow_sw 1 -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('vt', 'SDR_2160', '1080p', 'sdr', 'mkv', 'hw',
    "-hwaccel videotoolbox -i /media/in.mkv -y -progress pipe:1 -nostats -vf scale=-2:'min(ih,1080)' -c:v hevc_videotoolbox -b:v 10400k -allow_sw 1 -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('vt', 'SDR_2160', '720p', 'sdr', 'mp4', 'sw',
    "-i /media/in.mkv -y -progress pipe:1 -nostats -vf scale=-2:'min(ih,720)' -c:v hevc_videotoolbox -b:v 10400k -allow_sw 1 -map 0:v:0 -map 0:a? -c:a aac -b:a 192k -ac 2 -sn -movflags +faststart /tmp/out.tmp.mp4"),
  g('vt', 'SDR_720', '720p', 'sdr', 'mkv', 'hw',
    "-hwaccel videotoolbox -i /media/in.mkv -y -progress pipe:1 -nostats -c:v hevc_videotoolbox -b:v 2080k -allow_sw 1 -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('vt', 'HDR10_2160', 'compress', 'hdr', 'mkv', 'hw',
    "-hwaccel videotoolbox -i /media/in.mkv -y -progress pipe:1 -nostats -c:v hevc_videotoolbox -b:v 10400k -allow_sw 1 -pix_fmt p010le -profile:v main10 -color_primaries bt2020 -color_trc smpte2084 -colorspace bt2020nc -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('vt', 'HDR10_2160', '1080p', 'hdr', 'mp4', 'sw',
    "-i /media/in.mkv -y -progress pipe:1 -nostats -vf scale=-2:'min(ih,1080)' -c:v hevc_videotoolbox -b:v 10400k -allow_sw 1 -pix_fmt p010le -profile:v main10 -color_primaries bt2020 -color_trc smpte2084 -colorspace bt2020nc -map 0:v:0 -map 0:a? -c:a aac -b:a 192k -ac 2 -sn -movflags +faststart /tmp/out.tmp.mp4"),
  g('vt', 'HDR10_2160', '720p', 'tonemap', 'mkv', 'hw',
    "-i /media/in.mkv -y -progress pipe:1 -nostats -vf zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=hable:desat=0:peak=100,zscale=t=bt709:m=bt709,format=yuv420p,scale=-2:'min(ih,720)' -c:v hevc_videotoolbox -b:v 10400k -allow_sw 1 -color_primaries bt709 -color_trc bt709 -colorspace bt709 -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('vt', 'HDR10_2160', 'compress', 'tonemap', 'mp4', 'sw',
    "-i /media/in.mkv -y -progress pipe:1 -nostats -vf zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=hable:desat=0:peak=100,zscale=t=bt709:m=bt709,format=yuv420p -c:v hevc_videotoolbox -b:v 10400k -allow_sw 1 -color_primaries bt709 -color_trc bt709 -colorspace bt709 -map 0:v:0 -map 0:a? -c:a aac -b:a 192k -ac 2 -sn -movflags +faststart /tmp/out.tmp.mp4"),
  g('nvencAv1', 'SDR_2160', 'compress', 'sdr', 'mkv', 'hw',
    "-hwaccel cuda -hwaccel_output_format cuda -i /media/in.mkv -y -progress pipe:1 -nostats -vf scale_cuda=format=nv12 -c:v av1_nvenc -cq 32 -preset p4 -tune hq -rc vbr -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('nvencAv1', 'HLG_2160', '720p', 'hdr', 'mkv', 'hw',
    "-hwaccel cuda -hwaccel_output_format cuda -i /media/in.mkv -y -progress pipe:1 -nostats -vf scale_cuda=w=-2:h='min(ih,720)':format=p010 -c:v av1_nvenc -cq 32 -preset p4 -tune hq -rc vbr -color_primaries bt2020 -color_trc arib-std-b67 -colorspace bt2020nc -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('qsvAv1', 'SDR_2160', 'compress', 'sdr', 'mkv', 'hw',
    "-init_hw_device qsv=qsv -filter_hw_device qsv -hwaccel qsv -hwaccel_output_format qsv -i /media/in.mkv -y -progress pipe:1 -nostats -vf format=nv12|qsv,hwupload=extra_hw_frames=64,scale_qsv=format=nv12 -c:v av1_qsv -global_quality 22 -preset medium -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('qsvAv1', 'HLG_2160', '720p', 'hdr', 'mkv', 'hw',
    "-init_hw_device qsv=qsv -filter_hw_device qsv -hwaccel qsv -hwaccel_output_format qsv -i /media/in.mkv -y -progress pipe:1 -nostats -vf format=p010|qsv,hwupload=extra_hw_frames=64,scale_qsv=w=-2:h='min(ih,720)':format=p010 -c:v av1_qsv -global_quality 22 -preset medium -color_primaries bt2020 -color_trc arib-std-b67 -colorspace bt2020nc -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('vaapiAv1', 'SDR_2160', 'compress', 'sdr', 'mkv', 'hw',
    "-init_hw_device vaapi=va:/dev/dri/renderD128 -filter_hw_device va -hwaccel vaapi -hwaccel_output_format vaapi -i /media/in.mkv -y -progress pipe:1 -nostats -vf format=nv12|vaapi,hwupload,scale_vaapi=format=nv12 -c:v av1_vaapi -qp 22 -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('vaapiAv1', 'HLG_2160', '720p', 'hdr', 'mkv', 'hw',
    "-init_hw_device vaapi=va:/dev/dri/renderD128 -filter_hw_device va -hwaccel vaapi -hwaccel_output_format vaapi -i /media/in.mkv -y -progress pipe:1 -nostats -vf format=p010|vaapi,hwupload,scale_vaapi=w=-2:h='min(ih,720)':format=p010 -c:v av1_vaapi -qp 22 -color_primaries bt2020 -color_trc arib-std-b67 -colorspace bt2020nc -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('vtAv1', 'SDR_2160', 'compress', 'sdr', 'mkv', 'hw',
    "-hwaccel videotoolbox -i /media/in.mkv -y -progress pipe:1 -nostats -c:v av1_videotoolbox -b:v 5000k -allow_sw 1 -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('vtAv1', 'HLG_2160', '720p', 'hdr', 'mkv', 'hw',
    "-hwaccel videotoolbox -i /media/in.mkv -y -progress pipe:1 -nostats -vf scale=-2:'min(ih,720)' -c:v av1_videotoolbox -b:v 5000k -allow_sw 1 -pix_fmt p010le -color_primaries bt2020 -color_trc arib-std-b67 -colorspace bt2020nc -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('swHevc', 'HLG_2160', 'compress', 'hdr', 'mkv', 'sw',
    "-i /media/in.mkv -y -progress pipe:1 -nostats -c:v libx265 -crf 22 -preset medium -pix_fmt yuv420p10le -profile:v main10 -color_primaries bt2020 -color_trc arib-std-b67 -colorspace bt2020nc -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('nvencSimple', 'HLG_2160', 'compress', 'hdr', 'mkv', 'sw',
    "-i /media/in.mkv -y -progress pipe:1 -nostats -c:v hevc_nvenc -cq 26 -preset p4 -tune hq -rc vbr -pix_fmt p010le -profile:v main10 -color_primaries bt2020 -color_trc arib-std-b67 -colorspace bt2020nc -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('qsvDirect', 'HLG_2160', 'compress', 'hdr', 'mkv', 'sw',
    "-init_hw_device qsv=qsv -filter_hw_device qsv -i /media/in.mkv -y -progress pipe:1 -nostats -vf format=p010,hwupload=extra_hw_frames=64 -c:v hevc_qsv -global_quality 20 -preset medium -profile:v main10 -color_primaries bt2020 -color_trc arib-std-b67 -colorspace bt2020nc -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('vaapi', 'HLG_2160', 'compress', 'hdr', 'mkv', 'sw',
    "-init_hw_device vaapi=va:/dev/dri/renderD128 -filter_hw_device va -i /media/in.mkv -y -progress pipe:1 -nostats -vf format=p010,hwupload -c:v hevc_vaapi -qp 20 -profile:v main10 -color_primaries bt2020 -color_trc arib-std-b67 -colorspace bt2020nc -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
  g('vt', 'HLG_2160', 'compress', 'hdr', 'mkv', 'sw',
    "-i /media/in.mkv -y -progress pipe:1 -nostats -c:v hevc_videotoolbox -b:v 10400k -allow_sw 1 -pix_fmt p010le -profile:v main10 -color_primaries bt2020 -color_trc arib-std-b67 -colorspace bt2020nc -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/out.tmp.mkv"),
];

function argsFor(row: Golden): string[] {
  return buildTranscodeArgs({
    input: '/media/in.mkv',
    output: `/tmp/out.tmp.${row.format}`,
    encoder: ENCODERS[row.encoder],
    maxHeight: PRESET_HEIGHT[row.preset],
    source: SOURCES[row.source],
    quality: 0,
    qualityMod: 0,
    softwareDecode: row.decode === 'sw',
    tonemap: row.range === 'tonemap' ? { algorithm: 'hable' } : null,
    outputFormat: row.format,
    streams: { subtitles: [], attachments: [] },
  });
}

describe('ffmpeg golden command lines', () => {
  for (const row of GOLDEN) {
    const name = `${row.encoder} ${row.preset} ${row.source} ${row.range} ${row.format} ${row.decode}-decode`;
    it(name, () => {
      assert.equal(argsFor(row).join(' '), row.expected);
    });
  }

  it('has exactly one scaler in every chain that resizes, and none that scale twice', () => {
    for (const row of GOLDEN) {
      const args = argsFor(row);
      const vf = args.includes('-vf') ? (args[args.indexOf('-vf') + 1] ?? '') : '';
      const scalers = vf.split(',').filter((f) => /^scale(_cuda|_qsv|_vaapi)?=/.test(f));
      const resizes =
        PRESET_HEIGHT[row.preset] > 0 && SOURCES[row.source].height > PRESET_HEIGHT[row.preset];
      assert.ok(scalers.length <= 1, `${row.encoder}/${row.preset}: ${vf}`);
      if (resizes) assert.equal(scalers.length, 1, `${row.encoder}/${row.preset}: ${vf}`);
    }
  });

  it('never uses a hardware decoder when tonemapping', () => {
    for (const row of GOLDEN.filter((r) => r.range === 'tonemap')) {
      assert.ok(!argsFor(row).includes('-hwaccel'), row.encoder);
    }
  });
});
