import { css } from 'lit';

/** Shared look: colours come from the page's custom properties (light/dark in index.html). */
export const shared = css`
  :host {
    display: block;
    color: var(--fg);
  }
  * {
    box-sizing: border-box;
  }
  button,
  select,
  input {
    font: inherit;
    color: inherit;
  }
  button,
  select,
  input:not([type='checkbox']) {
    min-height: 36px;
    border-radius: 6px;
    border: 1px solid var(--line);
    background: var(--card);
    padding: 4px 10px;
  }
  button {
    cursor: pointer;
  }
  button.primary {
    background: var(--accent);
    color: var(--accent-fg);
    border-color: var(--accent);
    font-weight: 600;
  }
  button.danger {
    color: var(--bad);
  }
  button:disabled,
  select:disabled,
  input:disabled {
    opacity: 0.6;
    cursor: not-allowed;
  }
  :focus-visible {
    outline: 3px solid var(--focus);
    outline-offset: 2px;
  }
  input[type='checkbox'] {
    width: 20px;
    height: 20px;
    flex: none;
    margin: 0;
    accent-color: var(--accent);
  }
  .card {
    background: var(--card);
    border: 1px solid var(--line);
    border-radius: 10px;
    padding: 12px;
    margin: 0 0 12px;
  }
  .dim {
    color: var(--dim);
  }
  .error {
    color: var(--bad);
  }
  .row {
    display: flex;
    flex-wrap: wrap;
    gap: 8px;
    align-items: center;
  }
  .grow {
    flex: 1 1 auto;
    min-width: 0;
  }
  .ellipsis {
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .badge {
    display: inline-block;
    padding: 0 6px;
    border-radius: 999px;
    font-size: 12px;
    line-height: 20px;
    font-weight: 600;
    border: 1px solid currentColor;
    white-space: nowrap;
  }
  .s-pending {
    color: var(--warn);
  }
  .s-running {
    color: var(--run);
  }
  .s-complete {
    color: var(--ok);
  }
  .s-failed {
    color: var(--bad);
  }
  .s-skipped,
  .s-cancelled {
    color: var(--dim);
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
  h2 {
    font-size: 17px;
    margin: 0 0 8px;
  }
  label {
    display: inline-flex;
    gap: 6px;
    align-items: center;
  }
  progress {
    width: 100%;
    height: 8px;
    accent-color: var(--run);
  }
`;
