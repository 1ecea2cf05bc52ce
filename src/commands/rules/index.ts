/** Every rule, in evaluation order. Each file declares its own id, category, severity and cases. */
import type { Rule } from './rule.js';
import { rule as addAdminUser } from './add-admin-user.js';
import { rule as analysisIncomplete } from './analysis-incomplete.js';
import { rule as analysisLimit } from './analysis-limit.js';
import { rule as ansiEscape } from './ansi-escape.js';
import { rule as backupDestruction } from './backup-destruction.js';
import { rule as bidiControls } from './bidi-controls.js';
import { rule as bindShell } from './bind-shell.js';
import { rule as catalogSensitiveRead } from './catalog-sensitive-read.js';
import { rule as catalogPersistenceWrite } from './catalog-persistence-write.js';
import { rule as catalogPrivilegeConfig } from './catalog-privilege-config.js';
import { rule as catalogSecurityStop } from './catalog-security-stop.js';
import { rule as catalogLogDestroy } from './catalog-log-destroy.js';
import { rule as catalogShellBreakout } from './catalog-shell-breakout.js';
import { rule as catalogLolbinProxy } from './catalog-lolbin-proxy.js';
import { rule as catalogRareProgram } from './catalog-rare-program.js';
import { rule as cloudMassDelete } from './cloud-mass-delete.js';
import { rule as cloudMetadata } from './cloud-metadata.js';
import { rule as confusableChars } from './confusable-chars.js';
import { rule as containerEscape } from './container-escape.js';
import { rule as controlChars } from './control-chars.js';
import { rule as credentialDump } from './credential-dump.js';
import { rule as credentialSearch } from './credential-search.js';
import { rule as cronPersistence } from './cron-persistence.js';
import { rule as decodedExecution } from './decoded-execution.js';
import { rule as decodedText } from './decoded-text.js';
import { rule as deleteSystem } from './delete-system.js';
import { rule as deleteUserData } from './delete-user-data.js';
import { rule as devHttpServer } from './dev-http-server.js';
import { rule as devTcpRedirect } from './dev-tcp-redirect.js';
import { rule as diskWipe } from './disk-wipe.js';
import { rule as dnsExfil } from './dns-exfil.js';
import { rule as downloadPipeShell } from './download-pipe-shell.js';
import { rule as downloadThenRunTls } from './download-then-run-tls.js';
import { rule as downloadThenRun } from './download-then-run.js';
import { rule as encodedCommand } from './encoded-command.js';
import { rule as exfilUpload } from './exfil-upload.js';
import { rule as firewallOff } from './firewall-off.js';
import { rule as forkBomb } from './fork-bomb.js';
import { rule as grantSudoGroup } from './grant-sudo-group.js';
import { rule as historyClear } from './history-clear.js';
import { rule as historyWipe } from './history-wipe.js';
import { rule as ipDownload } from './ip-download.js';
import { rule as killAll } from './kill-all.js';
import { rule as loaderEnv } from './loader-env.js';
import { rule as logTamper } from './log-tamper.js';
import { rule as lolbinDownload } from './lolbin-download.js';
import { rule as lolbinRemoteExec } from './lolbin-remote-exec.js';
import { rule as netcatExec } from './netcat-exec.js';
import { rule as networkFetch } from './network-fetch.js';
import { rule as networkListener } from './network-listener.js';
import { rule as obfuscatedName } from './obfuscated-name.js';
import { rule as parseError } from './parse-error.js';
import { rule as payloadLoader } from './payload-loader.js';
import { rule as permissionWreck } from './permission-wreck.js';
import { rule as privescRecon } from './privesc-recon.js';
import { rule as profilePayload } from './profile-payload.js';
import { rule as psDownloadExecute } from './ps-download-execute.js';
import { rule as psDynamicInvoke } from './ps-dynamic-invoke.js';
import { rule as psReverseShell } from './ps-reverse-shell.js';
import { rule as psStealthFlags } from './ps-stealth-flags.js';
import { rule as runFromStaging } from './run-from-staging.js';
import { rule as scheduledTaskSuspicious } from './scheduled-task-suspicious.js';
import { rule as scheduledTask } from './scheduled-task.js';
import { rule as scriptUnread } from './script-unread.js';
import { rule as secretEnvDump } from './secret-env-dump.js';
import { rule as secretFileRead } from './secret-file-read.js';
import { rule as securityToolDisable } from './security-tool-disable.js';
import { rule as setuidShell } from './setuid-shell.js';
import { rule as shellOverNetwork } from './shell-over-network.js';
import { rule as shellProfileWrite } from './shell-profile-write.js';
import { rule as snippetDownloadExec } from './snippet-download-exec.js';
import { rule as socketShellSnippet } from './socket-shell-snippet.js';
import { rule as sshKeyImplant } from './ssh-key-implant.js';
import { rule as stagedDownload } from './staged-download.js';
import { rule as startupFolder } from './startup-folder.js';
import { rule as sudoShellEscape } from './sudo-shell-escape.js';
import { rule as sudoersModify } from './sudoers-modify.js';
import { rule as systemdPersistence } from './systemd-persistence.js';
import { rule as timestomp } from './timestomp.js';
import { rule as uacBypass } from './uac-bypass.js';
import { rule as unicodeTags } from './unicode-tags.js';
import { rule as uploadDropSite } from './upload-drop-site.js';
import { rule as vendorInstallerPipe } from './vendor-installer-pipe.js';
import { rule as whitespacePadding } from './whitespace-padding.js';
import { rule as winRunKey } from './win-run-key.js';
import { rule as wmiPersistence } from './wmi-persistence.js';
import { rule as zeroWidth } from './zero-width.js';

export const rules: readonly Rule[] = [
  addAdminUser,
  analysisIncomplete,
  analysisLimit,
  ansiEscape,
  backupDestruction,
  bidiControls,
  bindShell,
  catalogSensitiveRead,
  catalogPersistenceWrite,
  catalogPrivilegeConfig,
  catalogSecurityStop,
  catalogLogDestroy,
  catalogShellBreakout,
  catalogLolbinProxy,
  catalogRareProgram,
  cloudMassDelete,
  cloudMetadata,
  confusableChars,
  containerEscape,
  controlChars,
  credentialDump,
  credentialSearch,
  cronPersistence,
  decodedExecution,
  decodedText,
  deleteSystem,
  deleteUserData,
  devHttpServer,
  devTcpRedirect,
  diskWipe,
  dnsExfil,
  downloadPipeShell,
  downloadThenRunTls,
  downloadThenRun,
  encodedCommand,
  exfilUpload,
  firewallOff,
  forkBomb,
  grantSudoGroup,
  historyClear,
  historyWipe,
  ipDownload,
  killAll,
  loaderEnv,
  logTamper,
  lolbinDownload,
  lolbinRemoteExec,
  netcatExec,
  networkFetch,
  networkListener,
  obfuscatedName,
  parseError,
  payloadLoader,
  permissionWreck,
  privescRecon,
  profilePayload,
  psDownloadExecute,
  psDynamicInvoke,
  psReverseShell,
  psStealthFlags,
  runFromStaging,
  scheduledTaskSuspicious,
  scheduledTask,
  scriptUnread,
  secretEnvDump,
  secretFileRead,
  securityToolDisable,
  setuidShell,
  shellOverNetwork,
  shellProfileWrite,
  snippetDownloadExec,
  socketShellSnippet,
  sshKeyImplant,
  stagedDownload,
  startupFolder,
  sudoShellEscape,
  sudoersModify,
  systemdPersistence,
  timestomp,
  uacBypass,
  unicodeTags,
  uploadDropSite,
  vendorInstallerPipe,
  whitespacePadding,
  winRunKey,
  wmiPersistence,
  zeroWidth,
];
