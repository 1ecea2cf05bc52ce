/**
 * The shape of the capability catalog (programs) and the sensitive-target catalog, as zod schemas.
 * The built-in catalog and a user's catalog file go through the same schemas at load time, so a
 * typo in either is an error with a path, never a silently ignored entry.
 */
import { z } from 'zod';

/** What a program can be made to do. */
export const capabilities = [
  'read-file',
  'write-file',
  'exec-or-shell',
  'connect-out',
  'listen',
  'download',
  'upload',
  'load-library',
  'change-privilege',
  'delete-file',
  'stop-service',
] as const;
export type Capability = (typeof capabilities)[number];

/**
 * What unlocks a capability:
 * - `operands`: the program's plain arguments are what it acts on (`cat FILE`);
 * - `last-operand` / `leading-operands`: the destination / the sources of a copy (`cp SRC… DEST`);
 * - `flags`: one of these options is present; its value (next argument or `--opt=value`) is the target;
 * - `when-flags`: one of these options is present; every argument is a possible target (`find … -exec …`);
 * - `subcommands`: the first plain argument is one of these words; the remaining arguments are targets;
 * - `words`: one of these words appears anywhere among the arguments (`service auditd stop`); all are targets;
 * - `code`: inline code handed to the program (`-c`, `-e`) can do it (judged on the code's text);
 * - `always`: the program does it whatever the arguments (`nc host port` connects out).
 */
const nameList = z.array(z.string().min(1).max(80)).min(1).max(64);
export const unlockSchema = z.union([
  z.strictObject({ operands: z.literal(true) }),
  z.strictObject({ 'last-operand': z.literal(true) }),
  z.strictObject({ 'leading-operands': z.literal(true) }),
  z.strictObject({ flags: nameList }),
  z.strictObject({ 'when-flags': nameList }),
  z.strictObject({ subcommands: nameList }),
  z.strictObject({ words: nameList }),
  z.strictObject({ code: z.literal(true) }),
  z.strictObject({ always: z.literal(true) }),
]);
export type Unlock = z.infer<typeof unlockSchema>;

/** `gtfobins`, `lolbas`, `attack:T1059.004`, `vendor-docs`, `user` (a user's own catalog). */
export const sourceSchema = z.string().regex(/^(gtfobins|lolbas|loldrivers|vendor-docs|man-page|user|attack:T\d{4}(\.\d{3})?)$/, 'a source is gtfobins, lolbas, vendor-docs, man-page, user or attack:Tnnnn[.nnn]');
export const techniqueSchema = z.string().regex(/^T\d{4}(\.\d{3})?$/, 'an ATT&CK technique id looks like T1059 or T1059.004');

export const programKinds = [
  'shell', 'interpreter', 'editor', 'pager', 'debugger', 'archiver', 'network', 'package-manager', 'file', 'text', 'system',
  'service-manager', 'container', 'lolbin', 'security', 'other',
] as const;

export const programSchema = z.strictObject({
  /** Names as they appear on a command line, lower-case for Windows (`certutil`, not `certutil.exe`). */
  names: nameList,
  platform: z.enum(['unix', 'windows', 'any']),
  kind: z.enum(programKinds),
  /**
   * `rare`: everyday work almost never uses the program this way (regsvr32, mshta, cmstp): using
   * one of its capabilities is worth a question on its own.
   */
  use: z.enum(['common', 'rare']).default('common'),
  capabilities: z.partialRecord(z.enum(capabilities), z.array(unlockSchema).min(1).max(8)),
  sources: z.array(sourceSchema).min(1).max(8),
});
export type ProgramEntry = z.infer<typeof programSchema>;

export const targetKinds = ['credential', 'persistence', 'privilege-config', 'security-tool', 'log'] as const;
export type TargetKind = (typeof targetKinds)[number];

/**
 * A sensitive target: files and registry keys by glob (`*` one path segment, `**` any depth; `/`
 * and `\` are the same; `~` is the home directory, whatever the shell calls it), services and
 * processes by name. Matching is case-insensitive.
 */
export const targetSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{1,63}$/),
    kind: z.enum(targetKinds),
    title: z.string().min(3).max(160),
    paths: z.array(z.string().min(2).max(200)).max(64).optional(),
    names: z.array(z.string().min(2).max(80)).max(64).optional(),
    technique: techniqueSchema,
    /** How bad touching it is: critical denies, high/medium ask. */
    severity: z.enum(['medium', 'high', 'critical']),
    sources: z.array(sourceSchema).min(1).max(8),
  })
  .refine((t) => (t.paths?.length ?? 0) + (t.names?.length ?? 0) > 0, { message: 'a target needs paths or names' });
export type TargetEntry = z.infer<typeof targetSchema>;

/** A user's catalog file (JSON): programs and targets added to the built-in ones. */
export const catalogFileSchema = z.strictObject({
  version: z.literal(1),
  programs: z.array(programSchema).max(2000).default([]),
  targets: z.array(targetSchema).max(2000).default([]),
});
export type CatalogFile = z.infer<typeof catalogFileSchema>;
