/** RFC 3261 §12: a dialog is early (created by a provisional response) or confirmed (by a 2xx). */
export enum DialogState {
  Early = 'Early',
  Confirmed = 'Confirmed',
  Terminated = 'Terminated',
}

export class DialogStateError extends Error {
  constructor(from: DialogState, to: DialogState) {
    super(`dialog: illegal state transition ${from} -> ${to}`);
    this.name = 'DialogStateError';
  }
}
