/** The page's fixed structure: header, login/register forms, and the chat (sidebar, conversation, composer). */
import { field, h, ta, tx } from './dom.js';

export type Layout = ReturnType<typeof buildLayout>;

export function buildLayout(root: HTMLElement) {
  const status = h('span', { id: 'status', role: 'status', class: 'status' });
  const langSelect = h(
    'select',
    { id: 'lang' },
    h('option', { value: 'id' }, 'Bahasa Indonesia'),
    h('option', { value: 'en' }, 'English'),
  );
  const serverUrl = h('input', { id: 'server-url', type: 'url', required: true });
  const settingsForm = h(
    'form',
    { class: 'settings-form' },
    h(
      'label',
      { for: 'server-url' },
      tx((s) => s.serverUrl),
    ),
    serverUrl,
    h(
      'button',
      { type: 'submit' },
      tx((s) => s.save),
    ),
  );
  const settings = h(
    'details',
    { class: 'settings' },
    h(
      'summary',
      {},
      tx((s) => s.settings),
    ),
    settingsForm,
  );
  const whoami = h('span', { id: 'whoami', class: 'whoami' });
  const logout = h(
    'button',
    { id: 'logout', type: 'button', hidden: true },
    tx((s) => s.logout),
  );
  const header = h(
    'header',
    { class: 'top' },
    h('h1', {}, 'obrol'),
    status,
    whoami,
    logout,
    h(
      'label',
      { for: 'lang', class: 'sr-only' },
      tx((s) => s.language),
    ),
    langSelect,
    settings,
  );
  const alert = h('div', { id: 'alert', role: 'alert', class: 'alert', hidden: true });
  const notice = h('div', { id: 'notice', role: 'status', class: 'notice', hidden: true });

  const loginUser = field('login-user', (s) => s.username, { autocomplete: 'username' });
  const loginPass = field('login-pass', (s) => s.password, {
    type: 'password',
    autocomplete: 'current-password',
  });
  const loginForm = h(
    'form',
    { id: 'login-form', class: 'card', 'aria-labelledby': 'login-title' },
    h(
      'h2',
      { id: 'login-title' },
      tx((s) => s.login),
    ),
    loginUser.row,
    loginPass.row,
    h(
      'button',
      { type: 'submit' },
      tx((s) => s.login),
    ),
  );
  const regUser = field('reg-user', (s) => s.username, {
    autocomplete: 'username',
    pattern: '[A-Za-z0-9_.\\-]{3,32}',
  });
  const regPass = field('reg-pass', (s) => s.password, {
    type: 'password',
    autocomplete: 'new-password',
    minlength: 8,
    maxlength: 128,
  });
  const regCountry = field('reg-country', (s) => s.country, { autocomplete: 'country-name', maxlength: 64 });
  const regName = field('reg-name', (s) => s.fullName, { autocomplete: 'name', maxlength: 100 });
  const registerForm = h(
    'form',
    { id: 'register-form', class: 'card', 'aria-labelledby': 'register-title' },
    h(
      'h2',
      { id: 'register-title' },
      tx((s) => s.register),
    ),
    regUser.row,
    regPass.row,
    regCountry.row,
    regName.row,
    h(
      'button',
      { type: 'submit' },
      tx((s) => s.register),
    ),
  );
  const account = h('section', { id: 'account', class: 'account' }, loginForm, registerForm);

  const peerInput = h('input', { id: 'new-peer', required: true, pattern: '[A-Za-z0-9_.\\-]{3,32}' });
  const newChat = h(
    'form',
    { id: 'new-chat', class: 'inline-form' },
    h(
      'label',
      { for: 'new-peer' },
      tx((s) => s.newChat),
    ),
    peerInput,
    h(
      'button',
      { type: 'submit' },
      tx((s) => s.start),
    ),
  );
  const groupInput = h('input', { id: 'group-name', required: true, pattern: '[A-Za-z0-9_.\\-]{1,64}' });
  const createGroup = h(
    'button',
    { id: 'group-create', type: 'submit' },
    tx((s) => s.createGroup),
  );
  const joinGroup = h(
    'button',
    { id: 'group-join', type: 'button' },
    tx((s) => s.joinGroup),
  );
  const groupForm = h(
    'form',
    { id: 'group-form', class: 'inline-form' },
    h(
      'label',
      { for: 'group-name' },
      tx((s) => s.groupName),
    ),
    groupInput,
    h('div', { class: 'row' }, createGroup, joinGroup),
  );
  const convList = h('ul', { id: 'conversations', class: 'conv-list' });
  // Shown only where the browser can notify and has not been asked yet: permission is asked on its click only.
  const notify = h(
    'button',
    { id: 'notify', type: 'button', hidden: true },
    tx((s) => s.notifications),
  );
  const invites = ta(
    h('ul', { id: 'invites', class: 'invites', hidden: true }),
    'aria-label',
    (s) => s.invitations,
  );
  const gone = h(
    'p',
    { id: 'conv-gone', class: 'gone-note', hidden: true },
    tx((s) => s.groupGone),
  );
  const announcer = h('div', { id: 'announcer', class: 'sr-only', role: 'status', 'aria-live': 'polite' });
  const sidebar = ta(
    h(
      'nav',
      { id: 'sidebar', class: 'sidebar' },
      h(
        'h2',
        { class: 'sr-only' },
        tx((s) => s.conversations),
      ),
      notify,
      invites,
      convList,
      newChat,
      groupForm,
    ),
    'aria-label',
    (s) => s.conversations,
  );

  const back = h(
    'button',
    { id: 'back', type: 'button', class: 'back' },
    tx((s) => s.back),
  );
  const title = h('h2', { id: 'conv-title', class: 'conv-title' });
  const membersButton = h(
    'button',
    { id: 'members', type: 'button', hidden: true },
    tx((s) => s.members),
  );
  const leaveButton = h(
    'button',
    { id: 'leave', type: 'button', hidden: true },
    tx((s) => s.leaveGroup),
  );
  const membersPanel = h('section', { id: 'members-panel', class: 'members', hidden: true });
  const messages = ta(
    h('div', { id: 'messages', class: 'messages', role: 'log', 'aria-live': 'off', tabindex: 0 }),
    'aria-label',
    (s) => s.message,
  );
  const transfers = h('div', { id: 'transfers', class: 'transfers' });
  const text = ta(
    h('textarea', { id: 'composer-text', rows: 2, 'aria-describedby': 'composer-hint' }),
    'placeholder',
    (s) => s.message,
  );
  const fileInput = h('input', { id: 'file-input', type: 'file', class: 'sr-only' });
  // Someone else typing here (TYPING pushes): a polite status line, empty when nobody is.
  const typing = h('p', { id: 'typing', class: 'typing', role: 'status', 'aria-live': 'polite' });
  // Shown while the composer holds one of your messages to edit (Esc or Cancel leaves it).
  const cancelEdit = h(
    'button',
    { id: 'cancel-edit', type: 'button' },
    tx((s) => s.cancel),
  );
  const editing = h(
    'div',
    { id: 'editing', class: 'editing-bar', hidden: true },
    h(
      'span',
      { id: 'editing-note' },
      tx((s) => s.editing),
    ),
    cancelEdit,
  );
  // Asked before a message is deleted: a modal dialog (Esc and Cancel keep the message).
  const confirmYes = h(
    'button',
    { id: 'confirm-delete-yes', type: 'button', class: 'danger' },
    tx((s) => s.confirmDeleteYes),
  );
  const confirmNo = h(
    'button',
    { id: 'confirm-delete-no', type: 'button', autofocus: true },
    tx((s) => s.cancel),
  );
  const confirmDelete = h(
    'dialog',
    { id: 'confirm-delete', class: 'confirm', 'aria-labelledby': 'confirm-delete-text' },
    h(
      'p',
      { id: 'confirm-delete-text' },
      tx((s) => s.confirmDelete),
    ),
    h('p', { id: 'confirm-delete-quote', class: 'quote' }),
    h('div', { class: 'row' }, confirmNo, confirmYes),
  );
  const composer = h(
    'form',
    { id: 'composer', class: 'composer' },
    h(
      'label',
      { for: 'composer-text', class: 'sr-only' },
      tx((s) => s.message),
    ),
    text,
    h(
      'span',
      { id: 'composer-hint', class: 'sr-only' },
      tx((s) => s.messageHint),
    ),
    fileInput,
    h(
      'label',
      { for: 'file-input', class: 'attach button' },
      tx((s) => s.attach),
    ),
    h(
      'button',
      { id: 'send', type: 'submit' },
      h(
        'span',
        { class: 'when-sending' },
        tx((s) => s.send),
      ),
      h(
        'span',
        { class: 'when-editing' },
        tx((s) => s.saveEdit),
      ),
    ),
  );
  const conversation = h(
    'section',
    { id: 'conversation', class: 'conversation', 'aria-labelledby': 'conv-title' },
    h('header', { class: 'conv-head' }, back, title, membersButton, leaveButton),
    membersPanel,
    messages,
    transfers,
    gone,
    typing,
    editing,
    composer,
    confirmDelete,
  );
  const empty = h(
    'p',
    { id: 'empty', class: 'empty' },
    tx((s) => s.noConversation),
  );
  const chat = h('div', { id: 'chat', class: 'chat', hidden: true }, sidebar, conversation, empty);

  root.append(header, alert, notice, announcer, h('main', {}, account, chat));
  return {
    status,
    langSelect,
    serverUrl,
    settingsForm,
    settings,
    whoami,
    logout,
    alert,
    notice,
    account,
    loginForm,
    loginUser: loginUser.input,
    loginPass: loginPass.input,
    registerForm,
    regUser: regUser.input,
    regPass: regPass.input,
    regCountry: regCountry.input,
    regName: regName.input,
    chat,
    newChat,
    peerInput,
    groupForm,
    groupInput,
    joinGroup,
    convList,
    notify,
    invites,
    gone,
    announcer,
    conversation,
    empty,
    back,
    title,
    membersButton,
    leaveButton,
    membersPanel,
    messages,
    transfers,
    composer,
    text,
    fileInput,
    typing,
    editing,
    cancelEdit,
    confirmDelete,
    confirmYes,
    confirmNo,
  };
}
