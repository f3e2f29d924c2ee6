// The only place that talks to /api: adds the bearer token, refreshes it once on 401,
// and turns every failure into an ApiError whose message is the API's `detail` sentence.
let accessToken = null;
let onUnauthorized = () => {};

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function setAccessToken(token) {
  accessToken = token;
}

export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

function detailMessage(data, status) {
  const d = data?.detail;
  if (typeof d === "string" && d) return d;
  if (Array.isArray(d) && d.length) {
    return d.map((e) => (e.loc ? `${e.loc.filter((p) => p !== "body").join(".")}: ${e.msg}` : e.msg)).join("; ");
  }
  if (status === 413) return "That file is too large to upload.";
  return `The request failed (HTTP ${status}). Please try again.`;
}

let refreshing = null;

/** One refresh at a time: the refresh cookie rotates, so parallel refreshes would spend it twice. */
export function refreshToken() {
  if (!refreshing) {
    refreshing = doRefresh().finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

async function doRefresh() {
  try {
    const res = await fetch("/api/auth/refresh", { method: "POST", credentials: "same-origin" });
    if (!res.ok) return null;
    const data = await res.json();
    accessToken = data.access_token;
    return data;
  } catch {
    return null;
  }
}

/** Calls the API. `body` may be an object (sent as JSON), FormData, a Blob or a string (sent as is). */
export async function api(path, { method = "GET", body, headers = {}, raw = false, retried = false } = {}) {
  const h = { ...headers };
  if (accessToken) h.Authorization = `Bearer ${accessToken}`;
  let payload = body;
  const isPlain = body !== undefined && !(body instanceof FormData) && !(body instanceof Blob) && typeof body !== "string";
  if (isPlain) {
    h["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, { method, headers: h, body: payload, credentials: "same-origin" });
  } catch {
    throw new ApiError(0, "The server did not answer. Check that Story Analytics is running, then try again.");
  }
  if (res.status === 401 && !retried && !path.startsWith("/api/auth/")) {
    const sentToken = h.Authorization ? h.Authorization.slice("Bearer ".length) : null;
    // Another request may have refreshed meanwhile: retry with its token before refreshing again.
    const newer = accessToken && accessToken !== sentToken;
    if (newer || (await refreshToken())) {
      return api(path, { method, body, headers, raw, retried: true });
    }
    onUnauthorized();
  }
  if (!res.ok) {
    const data = await res.json().catch(() => null);
    throw new ApiError(res.status, detailMessage(data, res.status));
  }
  if (raw) return res;
  if (res.status === 204) return null;
  const type = res.headers.get("content-type") || "";
  return type.includes("json") ? res.json() : res.text();
}

/** Saves a Blob as a file through a temporary link. */
export function downloadBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
