// Training jobs in the browser, for every page that trains (the step widgets and
// the lab). A Job is started with a POST, followed over server-sent events
// (GET /api/jobs/{id}/events) and cancelled with DELETE /api/jobs/{id}. Its events:
//
//   queued    {ahead}                    waiting for a free worker (Redis queue only)
//   progress  {fraction, spec, result}   the latest partial result
//   result    {spec, result}             the end: the final result
//   error     {message}                  the end: diverged, failed, time limit
//   cancelled {}                         the end: someone cancelled it
//
// after which the stream is closed here. If the connection drops mid-job the
// browser's EventSource reconnects by itself and the server resends the latest
// event; a refused connection (a 502 from a proxy, say) is retried here. Only
// several failed connections in a row end the job on the page, with the server's
// reason when it gives one (a 503 while the training queue is down).
// bindJobControls() gives a page's Train / Cancel / progress bar / status line
// their shared behaviour; the page says what to send and what to draw.

import { deleteJSON, postJSON } from "./api.js";
import { say } from "./dom.js";

const RETRIES = 5; // failed connections in a row before the page gives up on the job
const RETRY_MS = 3000; // before connecting again after a refusal (the browser's own delay for a drop)
const LOST = "Lost the connection to the training job.";

// Why the server refuses the job's stream, in its own words: an EventSource never shows a refusal's
// body (a 503 while the training queue is down, a 404 for a job it no longer has), so ask once more
// with fetch. LOST with the server's sentence, or LOST alone when there is none (or the stream opens).
async function lostBecause(url) {
  const stop = new AbortController();
  try {
    const response = await fetch(url, { headers: { Accept: "text/event-stream" }, signal: stop.signal });
    if (response.ok) return LOST;
    const { detail } = await response.json();
    if (typeof detail !== "string" || !detail) return LOST;
    return `${LOST.slice(0, -1)}: ${detail}${/[.!?]$/.test(detail) ? "" : "."}`;
  } catch {
    return LOST;
  } finally {
    stop.abort(); // a stream that did open is not read
  }
}

export class Job {
  // POST body to url; the started job. Throws ApiError with the server's sentence (429: a limit says no).
  static async start(url, body) {
    const { id } = await postJSON(url, body);
    return new Job(id);
  }

  constructor(id) {
    this.id = id;
    this.url = `/api/jobs/${encodeURIComponent(id)}`;
    this.source = null;
    this.retry = 0;
  }

  // Calls on.queued / on.progress with each such event's data, then exactly one of
  // on.result / on.error / on.cancelled; on.reconnecting() while a dropped stream retries.
  follow(on) {
    let failures = 0; // connections in a row that failed before any event came
    const end = (handler, data) => { this.close(); handler(data); };
    const connect = () => {
      const source = new EventSource(`${this.url}/events`);
      this.source = source;
      const listen = (kind, handler) => source.addEventListener(kind, (event) => { failures = 0; handler(JSON.parse(event.data)); });
      listen("queued", (data) => on.queued?.(data));
      listen("progress", (data) => on.progress?.(data));
      listen("result", (data) => end(on.result, data));
      listen("cancelled", (data) => end(on.cancelled, data));
      source.addEventListener("error", (event) => {
        if (event instanceof MessageEvent) { end(on.error, JSON.parse(event.data)); return; } // the job's own error event
        if (++failures > RETRIES) {
          this.close();
          lostBecause(`${this.url}/events`).then((message) => on.error({ message }));
          return;
        }
        on.reconnecting?.();
        // A dropped connection the browser retries by itself; a refused one (a proxy's 502
        // while a replica restarts) it gives up on (CLOSED), so this client retries it.
        if (source.readyState === EventSource.CLOSED) this.retry = setTimeout(connect, RETRY_MS);
      });
    };
    connect();
  }

  // Ask the job to stop (its stream then ends with cancelled). Throws ApiError (403: someone else's job).
  cancel() {
    return deleteJSON(this.url);
  }

  close() {
    clearTimeout(this.retry);
    this.source?.close();
    this.source = null;
  }
}

const waitingText = (ahead) => `Waiting for a free trainer — ${ahead ? `${ahead} ahead of you` : "you are next"}`;

// One training widget: {train, cancel, bar, status} elements and what the page adds:
//   request()       {url, body} to start a job, or null to not start (the page said why)
//   progress(data)  draws a partial result; returns the status line's text
//   result(data)    draws the final result; returns the status line's text
//   starting, cancelled   status texts (defaults "Starting…", "Cancelled.")
export function bindJobControls({ train, cancel, bar, status }, page) {
  let job = null;
  let held = null; // a refused cancel's sentence, kept in the status line while the job runs on
  const show = (message) => { if (!held) say(status, message); };
  const finish = (message, isError = false) => {
    job?.close();
    job = null;
    held = null;
    train.disabled = false;
    cancel.hidden = true;
    bar.hidden = true;
    say(status, message, isError);
  };
  train.addEventListener("click", async () => {
    const request = page.request();
    if (!request) return;
    train.disabled = true;
    say(status, page.starting ?? "Starting…");
    try {
      job = await Job.start(request.url, request.body);
    } catch (err) {
      finish(err.message, true);
      return;
    }
    cancel.hidden = false;
    cancel.disabled = false;
    bar.hidden = false;
    bar.value = 0;
    job.follow({
      queued: ({ ahead }) => { bar.removeAttribute("value"); show(waitingText(ahead)); }, // no value: an indeterminate bar
      progress: (data) => { bar.value = data.fraction ?? 0; show(page.progress(data)); },
      result: (data) => finish(page.result(data)),
      error: ({ message }) => finish(message, true),
      cancelled: () => finish(page.cancelled ?? "Cancelled."),
      reconnecting: () => show("Reconnecting to the training job…"),
    });
  });
  cancel.addEventListener("click", async () => {
    if (!job) return;
    cancel.disabled = true;
    try {
      await job.cancel();
      held = null;
    } catch (err) {
      held = err.message;
      say(status, held, true);
      cancel.hidden = err.status === 403; // not this learner's job: asking again cannot help
    }
    cancel.disabled = false;
  });
}
