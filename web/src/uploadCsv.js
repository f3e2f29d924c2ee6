// Sends a CSV to become a chart's data. In cloud mode the file goes from the browser straight to the bucket
// through a presigned POST and the app takes it in from there: a Lambda function URL accepts at most 6 MB
// per request, far less than a CSV may be. Local mode answers 409 to the direct-upload request and the file
// goes to the app itself, as before.
import { api, ApiError } from "./api.js";

async function sendToBucket(form, file, filename) {
  const body = new FormData();
  for (const [name, value] of Object.entries(form.fields)) body.append(name, value);
  body.append("file", file, filename); // S3 ignores form fields after the file, so it goes last
  let res;
  try {
    res = await fetch(form.url, { method: "POST", body });
  } catch {
    throw new ApiError(0, "The file could not be sent to storage. Check your connection, then try again.");
  }
  if (!res.ok) {
    const tooLarge = res.status === 400 && (await res.text()).includes("EntityTooLarge");
    throw new ApiError(
      res.status,
      tooLarge
        ? `The file is larger than ${Math.round(form.max_bytes / 1048576)} MB: upload a smaller CSV.`
        : `Storage refused the file (HTTP ${res.status}). Please try again.`,
    );
  }
}

/** Uploads `file` (a File or Blob) as the chart's data; resolves to the parsed data summary. */
export async function uploadCsv(chartId, file, filename = file.name || "data.csv") {
  let form;
  try {
    form = await api(`/api/charts/${chartId}/data/direct-upload`, {
      method: "POST",
      body: { filename, size: Math.max(file.size, 1) },
    });
  } catch (err) {
    if (err.status !== 409) throw err;
    const body = new FormData();
    body.append("file", file, filename);
    return api(`/api/charts/${chartId}/data`, { method: "PUT", body });
  }
  await sendToBucket(form, file, filename);
  return api(`/api/charts/${chartId}/data/from-upload`, { method: "POST", body: { key: form.key, filename } });
}
