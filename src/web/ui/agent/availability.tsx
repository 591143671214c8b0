// In office / out of office: an agent out of office is offered no general leads (their direct leads
// still reach them). The setMyAvailability mutation.
import { useState } from 'react';
import { SetAvailability } from '../../api/operations.js';
import { errorText, useServerNow } from '../hooks.js';
import { when } from '../format.js';
import { useSession } from '../session.js';

export function Availability() {
  const { api, viewer, setViewer } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const now = useServerNow(60_000);

  async function toggle() {
    setBusy(true);
    setError(null);
    try {
      const { setMyAvailability } = await api.request(SetAvailability, { inOffice: !viewer.inOffice });
      setViewer({ ...viewer, inOffice: setMyAvailability.inOffice });
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="panel availability" aria-labelledby="availability-title">
      <h2 id="availability-title" className="sr-only">Availability</h2>
      <button type="button" role="switch" aria-checked={viewer.inOffice} aria-describedby="availability-hint"
        className="switch" disabled={busy} onClick={() => void toggle()}>
        <span className="track" aria-hidden="true"><span className="thumb" /></span>
        In office
      </button>
      <p id="availability-hint" className="hint">
        {viewer.inOffice
          ? 'You are in office: new general leads are offered to you.'
          : 'You are out of office: no general leads are offered to you. Leads from your own site still reach you.'}
      </p>
      {viewer.halt && (
        <p className="halt" role="note">
          An admin has halted you{viewer.halt.until ? ` until ${when(viewer.halt.until, now)}` : ''}
          {viewer.halt.reason ? ` (${viewer.halt.reason})` : ''}: no general leads until then.
        </p>
      )}
      {error && <p className="error" role="alert">{error}</p>}
    </section>
  );
}
