/** Boots the page: reads config.json (the WebSocket URL of this deployment) and starts the app. */
import { App } from './app.js';
import { buildLayout } from './layout.js';

async function defaultUrl(): Promise<string> {
  try {
    const response = await fetch('./config.json', { cache: 'no-store' });
    const config = (await response.json()) as { wsUrl?: unknown };
    if (typeof config.wsUrl === 'string') return config.wsUrl;
  } catch {
    // No config.json (e.g. the files opened from disk): fall back to this host's own WebSocket.
  }
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`;
}

const root = document.getElementById('app');
if (root) {
  const ui = buildLayout(root);
  new App(ui, await defaultUrl());
}
