/**
 * The HELP table, as data: every command of the protocol with a one-line usage (parameters as docs/PROTOCOL.md names
 * them, [optional]) and what it does, in Indonesian like the rest of the answers. A unit test keeps it in step with
 * the dispatch table.
 */

export interface HelpEntry {
  readonly command: string;
  /** The parameters, as docs/PROTOCOL.md writes them ('' for none). */
  readonly params: string;
  readonly about: string;
}

export const HELP: readonly HelpEntry[] = [
  { command: 'REGISTER', params: 'username password negara nama', about: 'daftar akun baru' },
  { command: 'AUTH', params: 'username password [device]', about: 'masuk' },
  { command: 'LOGOUT', params: '', about: 'keluar (koneksi tetap terbuka)' },
  { command: 'SEND', params: 'penerima pesan', about: 'kirim pesan pribadi' },
  { command: 'SEND_GROUP', params: 'grup pesan', about: 'kirim pesan ke grup' },
  { command: 'SEND_FILE', params: 'penerima namafile [isi]', about: 'kirim file pribadi' },
  { command: 'SEND_GROUP_FILE', params: 'grup namafile [isi]', about: 'kirim file ke grup' },
  {
    command: 'SEND_ID',
    params: 'clientId penerima pesan',
    about: 'kirim pesan pribadi sekali saja (aman diulang)',
  },
  {
    command: 'SEND_GROUP_ID',
    params: 'clientId grup pesan',
    about: 'kirim pesan grup sekali saja (aman diulang)',
  },
  { command: 'GROUP_CREATE', params: 'nama [private]', about: 'buat grup (private: hanya dengan undangan)' },
  { command: 'GROUP_JOIN', params: 'nama', about: 'bergabung ke grup' },
  { command: 'GROUP_LEAVE', params: 'nama', about: 'keluar dari grup' },
  { command: 'GROUP_MEMBERS', params: 'nama [setelah]', about: 'daftar anggota grup, per halaman' },
  { command: 'GROUP_INVITE', params: 'grup pengguna', about: 'undang pengguna ke grup (pemilik)' },
  { command: 'GROUP_KICK', params: 'grup pengguna', about: 'keluarkan anggota dari grup (pemilik)' },
  {
    command: 'GROUP_OWNER',
    params: 'grup pengguna',
    about: 'serahkan kepemilikan grup ke anggota (pemilik)',
  },
  { command: 'GROUP_DELETE', params: 'grup', about: 'hapus grup beserta pesan dan filenya (pemilik)' },
  { command: 'GROUPS', params: '', about: 'daftar grup Anda' },
  {
    command: 'CONVERSATIONS',
    params: '[setelah]',
    about: 'percakapan pribadi Anda, terbaru dulu, per halaman',
  },
  { command: 'INBOX', params: '', about: 'pesan yang masih menunggu Anda' },
  { command: 'FILE_URL', params: 'id', about: 'tautan baru untuk sebuah file' },
  { command: 'HISTORY', params: 'pengguna [sebelum-id]', about: 'riwayat percakapan pribadi, terbaru dulu' },
  { command: 'GROUP_HISTORY', params: 'grup [sebelum-id]', about: 'riwayat percakapan grup, terbaru dulu' },
  { command: 'READ', params: 'pengguna id', about: 'tandai percakapan pribadi sudah dibaca sampai id' },
  { command: 'READ_GROUP', params: 'grup id', about: 'tandai percakapan grup sudah dibaca sampai id' },
  { command: 'EDIT', params: 'id pesan', about: 'ubah pesan Anda sendiri' },
  { command: 'DELETE', params: 'id', about: 'hapus pesan Anda sendiri' },
  { command: 'WHO', params: 'grup [setelah]', about: 'anggota grup yang sedang online, per halaman' },
  { command: 'STATUS', params: 'pengguna', about: 'online atau terakhir terlihat' },
  { command: 'WATCH', params: 'pengguna [pengguna…]', about: 'pantau kapan pengguna online/offline' },
  { command: 'UNWATCH', params: 'pengguna [pengguna…]', about: 'berhenti memantau' },
  { command: 'TYPING', params: 'pengguna', about: 'beri tahu bahwa Anda sedang mengetik' },
  { command: 'TYPING_GROUP', params: 'grup', about: 'beri tahu grup bahwa Anda sedang mengetik' },
  { command: 'PASSWORD', params: 'lama baru', about: 'ganti kata sandi (perangkat lain dikeluarkan)' },
  { command: 'DELETE_ACCOUNT', params: 'password', about: 'hapus akun Anda' },
  {
    command: 'GROUP_UNINVITE',
    params: 'grup pengguna',
    about: 'batalkan undangan yang belum dipakai (pemilik)',
  },
  { command: 'BLOCK', params: 'pengguna', about: 'blokir pengguna (pesan pribadinya tidak sampai)' },
  { command: 'UNBLOCK', params: 'pengguna', about: 'buka blokir pengguna' },
  { command: 'BLOCKED', params: '', about: 'daftar pengguna yang Anda blokir' },
  { command: 'SESSION', params: '', about: 'token untuk masuk lagi tanpa kata sandi (30 hari)' },
  { command: 'RESUME', params: 'username token', about: 'masuk dengan token dari SESSION' },
  { command: 'SESSION_END', params: 'token', about: 'akhiri token dari SESSION' },
  { command: 'PING', params: '', about: 'jaga koneksi tetap terbuka' },
  { command: 'HELP', params: '', about: 'daftar perintah ini' },
];

/** One line per command: `COMMAND params — about`. */
export function helpLines(): string[] {
  return HELP.map(({ command, params, about }) => `${params ? `${command} ${params}` : command} — ${about}`);
}
