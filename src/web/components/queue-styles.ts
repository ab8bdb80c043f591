import { css } from 'lit';

export const queueStyles = css`
  .list {
    position: relative;
    contain: strict;
    width: 100%;
  }
  .job {
    position: absolute;
    left: 0;
    right: 0;
    top: 0;
    height: 80px;
    padding: 6px 10px;
    background: var(--card);
    border: 1px solid var(--line);
    border-radius: 8px;
    display: grid;
    grid-template-rows: 26px 20px 22px;
    overflow: hidden;
  }
  .line {
    display: flex;
    gap: 6px;
    align-items: center;
    min-width: 0;
    font-size: 13px;
  }
  .line progress {
    flex: 0 0 30%;
  }
  .name {
    flex: 1 1 auto;
    min-width: 0;
    text-align: left;
    background: none;
    border: 0;
    padding: 0;
    min-height: 0;
    font-weight: 600;
    font-size: 15px;
  }
  .act {
    min-height: 26px;
    padding: 0 8px;
    font-size: 13px;
  }
  .enc {
    color: var(--dim);
    flex: none;
    max-width: 45%;
    overflow: hidden;
    text-overflow: ellipsis;
    line-height: 18px;
  }
  .num {
    width: 4.5em;
  }
  .msg {
    margin: 6px 0 0;
    min-height: 1.2em;
  }
  dialog {
    max-width: min(640px, 94vw);
    background: var(--card);
    color: var(--fg);
    border: 1px solid var(--line);
    border-radius: 10px;
  }
  .details {
    display: grid;
    grid-template-columns: max-content 1fr;
    gap: 4px 12px;
    margin: 0 0 12px;
  }
  dt {
    color: var(--dim);
  }
  dd {
    margin: 0;
    overflow-wrap: anywhere;
  }
  pre.err {
    white-space: pre-wrap;
    overflow-wrap: anywhere;
    font-size: 12px;
    background: var(--muted-bg);
    padding: 8px;
    border-radius: 6px;
    max-height: 40vh;
    overflow: auto;
  }
`;
