// Requests to the rnnlab server (JSON, or a raw body for the lab's uploads), with
// the server's {"detail": ...} turned into a readable Error.

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

function detailMessage(body, status) {
  const detail = body && body.detail;
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    return detail.map((d) => {
      const where = Array.isArray(d.loc) ? d.loc.filter((p) => p !== "body").join(".") : "";
      return where ? `${where}: ${d.msg}` : d.msg;
    }).join("; ");
  }
  return `The server answered ${status}.`;
}

// The Response when it is ok; otherwise an ApiError carrying the server's sentence.
async function send(url, init) {
  let response;
  try {
    response = await fetch(url, init);
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError("Could not reach the rnnlab server. Is it still running?", 0);
  }
  if (response.ok) return response;
  let data = null;
  try { data = await response.json(); } catch { data = null; }
  throw new ApiError(detailMessage(data, response.status), response.status);
}

async function request(method, url, body, signal, keepalive = false) {
  const init = { method, signal, keepalive, headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const text = await (await send(url, init)).text();
  try { return text ? JSON.parse(text) : null; } catch { return null; }
}

export const getJSON = (url, signal) => request("GET", url, undefined, signal);
export const postJSON = (url, body, signal) => request("POST", url, body, signal);
// A small write that must land even if the learner leaves the page at once (a quick ←/→): the
// browser finishes a keepalive request after the page is gone.
export const recordJSON = (url, body) => request("POST", url, body, undefined, true);
export const deleteJSON = (url) => request("DELETE", url);
// A body that is not JSON (pasted text, a file) as `type`; the Response, to read as .json() or .blob().
export const postRaw = (url, body, type) => send(url, { method: "POST", body, headers: { "Content-Type": type, Accept: "application/json" } });
