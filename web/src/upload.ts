/**
 * The upload form (a signed S3 POST) sent with XMLHttpRequest, the one browser API that reports upload progress:
 * every field as given, then the file last, named `file`.
 */
import type { UploadForm } from './protocol.js';

export function postForm(
  form: UploadForm,
  file: Blob,
  filename: string,
  onProgress: (fraction: number) => void,
): Promise<void> {
  const body = new FormData();
  for (const [name, value] of Object.entries(form.fields)) body.append(name, value);
  body.append('file', file, filename);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', form.url);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve();
      } else reject(new Error(`upload refused: HTTP ${xhr.status}`));
    };
    xhr.onerror = () => reject(new Error('upload failed'));
    xhr.send(body);
  });
}
