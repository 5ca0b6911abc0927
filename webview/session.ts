/**
 * What the panel says about sessions: the record toggle and REC indicator in the header (the
 * recording's file in its tooltip, "saved" with Open when it stops), and, for an opened transcript,
 * the read-only banner with Replay and Turn into Mock (the composer is hidden then).
 */
import type { ConnectionSummary, TranscriptInfo } from '../src/shared/contract';
import { button, h, icon } from './dom';

export interface SessionDeps {
  record(on: boolean): void;
  transcriptAction(action: 'replay' | 'toMock'): void;
  /** A recording stopped: its transcript is saved at `file`. */
  saved(file: string, label: string): void;
}

export class SessionControls {
  readonly recordBtn = button('Record', { icon: 'record', id: 'record', title: 'Record this connection into a transcript (sessions folder)' });
  /** "REC" in words and an icon: not a red dot alone. */
  readonly rec = h('span', { class: 'rec-badge', id: 'rec', role: 'status', hidden: true }, icon('record'), h('span', { text: 'REC' }));
  readonly banner: HTMLElement;
  private readonly bannerText = h('span', { class: 'transcript-text', id: 'transcript-text' });
  readonly replayBtn = button('Replay', { icon: 'debug-rerun', id: 'replay', title: 'Replay the sent messages against the transcript\'s URL' });
  readonly toMockBtn = button('Turn into Mock', { icon: 'server', id: 'to-mock', title: 'Add a mock that answers like this session to a collection' });
  private recording: { file: string; label: string } | undefined;
  private transcript: TranscriptInfo | undefined;

  constructor(private readonly deps: SessionDeps) {
    this.recordBtn.setAttribute('aria-pressed', 'false');
    this.recordBtn.addEventListener('click', () => this.deps.record(!this.recording));
    this.replayBtn.addEventListener('click', () => this.deps.transcriptAction('replay'));
    this.toMockBtn.addEventListener('click', () => this.deps.transcriptAction('toMock'));
    this.banner = h('div', { class: 'transcript-banner', id: 'transcript-banner', role: 'note', hidden: true },
      icon('lock'), this.bannerText, h('span', { class: 'spacer' }), this.replayBtn, this.toMockBtn);
  }

  /** Whether the panel shows an opened transcript. */
  get isTranscript(): boolean {
    return !!this.transcript;
  }

  /** Shows the transcript banner (read-only) or takes it away. */
  showTranscript(t: TranscriptInfo | undefined): void {
    this.transcript = t;
    document.body.classList.toggle('transcript', !!t);
    this.banner.hidden = !t;
    if (t) this.bannerText.textContent = `Transcript ${t.label} · ${t.events.toLocaleString('en-US')} events · read-only`;
    this.recordBtn.hidden = !!t;
  }

  /** Follows the connection: toggle label and pressed state, REC badge, "saved" when a recording ends. */
  update(s: ConnectionSummary | undefined): void {
    const was = this.recording;
    this.recording = s?.recording;
    const on = !!this.recording;
    const label = on ? 'Stop recording' : 'Record';
    if (this.recordBtn.textContent !== label) this.recordBtn.textContent = label;
    this.recordBtn.setAttribute('aria-label', label);
    this.recordBtn.icon = on ? 'debug-stop' : 'record';
    this.recordBtn.setAttribute('aria-pressed', String(on));
    this.recordBtn.title = on ? `Recording to ${this.recording!.label}: click to stop` : 'Record this connection into a transcript (sessions folder)';
    // A connection that can still produce events can be recorded; a recording can always be stopped.
    const live = s?.state === 'open' || s?.state === 'connecting';
    this.recordBtn.disabled = !on && (!s?.id || !live);
    this.rec.hidden = !on;
    this.rec.title = on ? `Recording to ${this.recording!.label}` : '';
    document.body.dataset.recording = String(on);
    if (was && !on) this.deps.saved(was.file, was.label);
  }
}
