/**
 * The web page's Content-Security-Policy, one builder for both places that serve the page: the local runtime
 * (`local/web.ts`, as a header) and the deployed site (`infra/web.ts`, in a <meta> tag and the CloudFront header
 * policy). Its own files, the chat WebSocket and the files bucket; nothing else.
 */
export function pageCsp(webSocketUrl: string, files: readonly string[], { header = false } = {}): string {
  const hosts = files.map((host) => ` ${host}`).join('');
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    // blob: is the sender's own preview of an image it just sent, from memory.
    `img-src 'self' blob:${hosts}`,
    `connect-src 'self' ${webSocketUrl}${hosts}`,
    "form-action 'none'",
    // frame-ancestors is ignored in a <meta> policy, so only a header carries it.
    ...(header ? ["frame-ancestors 'none'"] : []),
    "base-uri 'none'",
  ].join('; ');
}
