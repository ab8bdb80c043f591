/**
 * Lease state machines (docs/remote-workers.md, D22). Pure, with the clock passed in.
 *
 * Coordinator: a lease expires `leaseMs` after the last renewal it received. Worker: its lease is
 * valid until `leaseMs` after it sent the last renewal that was acknowledged. A send comes before
 * its receipt, so the worker's deadline always falls before the coordinator's.
 */
import { randomBytes } from 'node:crypto';

export type LeaseState = 'running' | 'finalizing';

export interface Lease {
  id: string;
  jobId: string;
  worker: string;
  /** The coordinator path of the staging file the worker was told to write. */
  staging: string;
  state: LeaseState;
  grantedAt: number;
  renewedAt: number;
  lastSeq: number;
}

export type LeaseCheck = { ok: true; lease: Lease } | { ok: false; reason: string };

export const newLeaseId = (): string => randomBytes(8).toString('hex');

export class LeaseTable {
  private readonly byJob = new Map<string, Lease>();

  constructor(
    private readonly leaseMs: number,
    private readonly newId: () => string = newLeaseId,
  ) {}

  /** One lease per job: granting for a job that has one is a bug in the caller, refused here. */
  grant(jobId: string, worker: string, staging: string, now: number): Lease {
    if (this.byJob.has(jobId)) throw new Error(`job ${jobId} already has a lease`);
    const lease: Lease = { id: this.newId(), jobId, worker, staging, state: 'running', grantedAt: now, renewedAt: now, lastSeq: -1 };
    this.byJob.set(jobId, lease);
    return lease;
  }

  /** The live lease named by a message from `worker`, or why the message is stale. */
  check(worker: string, jobId: string, leaseId: string): LeaseCheck {
    const lease = this.byJob.get(jobId);
    if (!lease) return { ok: false, reason: `no lease is held for job ${jobId}` };
    if (lease.id !== leaseId) return { ok: false, reason: `lease ${leaseId} of job ${jobId} is not the current one` };
    if (lease.worker !== worker) return { ok: false, reason: `job ${jobId} is leased to ${lease.worker}, not ${worker}` };
    return { ok: true, lease };
  }

  /** A renewal (progress counts). An older `seq` than one already seen changes nothing but is not an error. */
  renew(worker: string, jobId: string, leaseId: string, seq: number, now: number): LeaseCheck {
    const found = this.check(worker, jobId, leaseId);
    if (!found.ok) return found;
    if (seq > found.lease.lastSeq) {
      found.lease.lastSeq = seq;
      found.lease.renewedAt = now;
    }
    return found;
  }

  /** From here on the lease never expires and cannot be taken back: the swap is under way (D11). */
  finalizing(jobId: string): void {
    const lease = this.byJob.get(jobId);
    if (lease) lease.state = 'finalizing';
  }

  release(jobId: string): Lease | undefined {
    const lease = this.byJob.get(jobId);
    this.byJob.delete(jobId);
    return lease;
  }

  /** Running leases past their time, removed from the table. */
  takeExpired(now: number): Lease[] {
    const out: Lease[] = [];
    for (const lease of this.byJob.values()) {
      if (lease.state === 'running' && now - lease.renewedAt >= this.leaseMs) out.push(lease);
    }
    for (const lease of out) this.byJob.delete(lease.jobId);
    return out;
  }

  get(jobId: string): Lease | undefined {
    return this.byJob.get(jobId);
  }

  ofWorker(worker: string): Lease[] {
    return [...this.byJob.values()].filter((l) => l.worker === worker);
  }

  all(): Lease[] {
    return [...this.byJob.values()];
  }

  expiresInMs(lease: Lease, now: number): number {
    return Math.max(0, lease.renewedAt + this.leaseMs - now);
  }
}

/** The worker's view of one lease: renewals sent, acknowledgements received. */
export class WorkerLease {
  private seq = 0;
  private readonly sent = new Map<number, number>();
  private validUntil: number;
  private confirmed = false;

  constructor(
    private readonly leaseMs: number,
    receivedAt: number,
  ) {
    // The coordinator's clock started before the assignment left, so a deadline counted from its
    // receipt may fall after the coordinator's. Until a renewal is acknowledged the worker may go on
    // encoding into its own temp folder, but never write into the media folder (`mayStage`).
    this.validUntil = receivedAt + leaseMs;
  }

  /** Numbers a renewal about to be sent. */
  nextRenewal(now: number): number {
    this.seq += 1;
    this.sent.set(this.seq, now);
    // Unanswered renewals older than a lease can never extend it.
    for (const [s, at] of this.sent) if (now - at > this.leaseMs) this.sent.delete(s);
    return this.seq;
  }

  acknowledged(seq: number): void {
    const at = this.sent.get(seq);
    if (at === undefined) return;
    this.validUntil = this.confirmed ? Math.max(this.validUntil, at + this.leaseMs) : at + this.leaseMs;
    this.confirmed = true;
    for (const s of this.sent.keys()) if (s <= seq) this.sent.delete(s);
  }

  /** Whether the worker may write into the media folder now: a deadline it can prove falls first. */
  mayStage(now: number): boolean {
    return this.confirmed && !this.expired(now);
  }

  expired(now: number): boolean {
    return now >= this.validUntil;
  }

  remainingMs(now: number): number {
    return Math.max(0, this.validUntil - now);
  }
}
