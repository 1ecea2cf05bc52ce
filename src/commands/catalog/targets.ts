/**
 * Sensitive targets: what a program touches that turns an ordinary capability into an attack.
 * Locations restated from MITRE ATT&CK technique pages (credential access, persistence,
 * privilege escalation, defense evasion), the GTFOBins/LOLBAS file lists and vendor documentation.
 *
 * Paths are globs over a normalized path: lower-case, `/` for `\`, `~` for the home directory
 * (whatever the shell calls it: `$HOME`, `%USERPROFILE%`, `$env:USERPROFILE`, `/home/NAME`,
 * `/root`, `C:\Users\NAME`), `hklm`/`hkcu` for registry hives. `*` is one segment, `**` any
 * depth; a leading `!` excludes. Names (services, processes, packages) are matched as words.
 */
import type { TargetEntry } from './schema.js';

type Row = [id: string, kind: TargetEntry['kind'], technique: string, severity: TargetEntry['severity'], sources: string, title: string, paths: string, names?: string];

const rows: Row[] = [
  // credentials (read = credential access; upload = exfiltration)
  ['ssh-private-keys', 'credential', 'T1552.004', 'critical', 'attack:T1552.004', 'SSH private keys', '**/.ssh | **/.ssh/id_* | **/.ssh/identity | **/etc/ssh/ssh_host_*_key | !**/*.pub'],
  ['tls-private-keys', 'credential', 'T1552.004', 'critical', 'attack:T1552.004', 'TLS private keys', '/etc/ssl/private | /etc/ssl/private/** | /etc/pki/tls/private/** | /etc/letsencrypt/live/*/privkey.pem | **/*.pfx | **/*.p12'],
  ['gnupg', 'credential', 'T1552.004', 'critical', 'attack:T1552.004', 'GnuPG private keys', '**/.gnupg | **/.gnupg/private-keys-v1.d | **/.gnupg/private-keys-v1.d/** | **/.gnupg/secring.gpg'],
  ['shadow', 'credential', 'T1003.008', 'critical', 'attack:T1003.008', 'password hashes (/etc/shadow)', '/etc/shadow | /etc/shadow- | /etc/gshadow | /etc/gshadow- | /etc/master.passwd | /etc/security/opasswd'],
  ['cloud-cli', 'credential', 'T1552.001', 'critical', 'attack:T1552.001', 'cloud CLI credentials and token caches', '**/.aws | **/.aws/credentials | **/.aws/config | **/.aws/sso/cache/** | **/.config/gcloud | **/.config/gcloud/credentials.db | **/.config/gcloud/access_tokens.db | **/.config/gcloud/legacy_credentials/** | **/.config/gcloud/application_default_credentials.json | **/.azure | **/.azure/accesstokens.json | **/.azure/msal_token_cache.* | **/.azure/azureprofile.json | **/.oci/config | **/.config/doctl/config.yaml | **/.digitalocean/** | **/.config/hcloud/cli.toml'],
  ['dev-tokens', 'credential', 'T1552.001', 'critical', 'attack:T1552.001', 'developer tokens and password files', '**/.git-credentials | **/.netrc | **/_netrc | **/.pgpass | **/.my.cnf | **/.npmrc | **/.pypirc | **/.vault-token | **/.terraform.d/credentials.tfrc.json | **/.config/gh/hosts.yml | **/.docker/config.json | **/.gem/credentials | **/.cargo/credentials | **/.cargo/credentials.toml | **/.m2/settings-security.xml | **/.config/hub | **/.boto | **/.s3cfg | **/.smbcredentials | **/.config/rclone/rclone.conf'],
  ['kube', 'credential', 'T1552.007', 'critical', 'attack:T1552.007', 'Kubernetes credentials', '**/.kube/config | /etc/kubernetes/admin.conf | /etc/kubernetes/pki | /etc/kubernetes/pki/** | /var/run/secrets/kubernetes.io/** | /run/secrets/kubernetes.io/** | /var/lib/kubelet/pki/** | /etc/rancher/k3s/k3s.yaml'],
  ['browser', 'credential', 'T1555.003', 'critical', 'attack:T1555.003', 'browser passwords and cookies', '**/login data | **/login data for account | **/cookies | **/network/cookies | **/cookies.sqlite | **/key3.db | **/key4.db | **/logins.json | **/local state | **/signons.sqlite'],
  ['keychain', 'credential', 'T1555.001', 'critical', 'attack:T1555.001', 'macOS keychains', '**/library/keychains | **/library/keychains/** | **/*.keychain | **/*.keychain-db'],
  ['password-managers', 'credential', 'T1555.005', 'critical', 'attack:T1555.005', 'password manager vaults', '**/*.kdbx | **/*.kdb | **/.password-store | **/.password-store/** | **/.local/share/keyrings/** | **/wallet.dat | **/.config/bitwarden/** | **/1password/**/*.sqlite'],
  ['shell-history', 'credential', 'T1552.003', 'high', 'attack:T1552.003', 'shell and tool histories (often hold typed passwords)', '**/.bash_history | **/.zsh_history | **/.sh_history | **/.history | **/.mysql_history | **/.psql_history | **/.python_history | **/.node_repl_history | **/.rediscli_history | **/consolehost_history.txt'],
  ['windows-hives', 'credential', 'T1003.002', 'critical', 'attack:T1003.002', 'Windows SAM/SYSTEM/SECURITY hives', 'hklm/sam | hklm/system | hklm/security | **/system32/config/sam | **/system32/config/system | **/system32/config/security | **/repair/sam | **/sam.save | **/sam.hiv | **/system.save | **/system.hiv | **/security.save | **/security.hiv'],
  ['ntds', 'credential', 'T1003.003', 'critical', 'attack:T1003.003', 'the Active Directory database (NTDS.dit)', '**/ntds.dit | **/windows/ntds | **/windows/ntds/**'],
  ['lsass', 'credential', 'T1003.001', 'critical', 'attack:T1003.001', 'LSASS process memory', '**/lsass*.dmp | **/lsass*.dump | **/lsass.zip', 'lsass lsass.exe'],
  ['windows-vaults', 'credential', 'T1555.004', 'critical', 'attack:T1555.004', 'Windows Credential Manager and DPAPI keys', '**/microsoft/credentials | **/microsoft/credentials/** | **/microsoft/protect | **/microsoft/protect/** | **/microsoft/vault/** | **/appdata/local/microsoft/vault'],
  ['windows-deploy-secrets', 'credential', 'T1552.006', 'critical', 'attack:T1552.006', 'deployment files with stored passwords (unattend, GPP)', '**/unattend.xml | **/autounattend.xml | **/sysprep.inf | **/sysprep.xml | **/groups.xml | **/scheduledtasks.xml | **/services.xml | **/datasources.xml'],
  ['app-secrets', 'credential', 'T1552.001', 'high', 'attack:T1552.001', 'application credential files', '**/sitemanager.xml | **/recentservers.xml | **/winscp.ini | **/.filezilla/** | **/wp-config.php | **/.remmina/** | **/credentials.xml | **/.vnc/passwd | **/ultravnc.ini'],
  ['proc-memory', 'credential', 'T1003.007', 'critical', 'attack:T1003.007', 'process memory and environments under /proc', '/proc/*/environ | /proc/*/mem | /proc/*/maps | /proc/*/cmdline'],
  ['kerberos', 'credential', 'T1558.005', 'critical', 'attack:T1558.005', 'Kerberos keytabs and ticket caches', '/etc/krb5.keytab | **/*.keytab | /tmp/krb5cc_* | /var/lib/sss/secrets/** | /var/lib/sss/db/**'],
  ['cloud-metadata', 'credential', 'T1552.005', 'critical', 'attack:T1552.005', 'cloud instance metadata credentials', '**/169.254.169.254/** | **/metadata.google.internal/** | **/100.100.100.200/**'],
  // persistence (write)
  ['cron', 'persistence', 'T1053.003', 'high', 'attack:T1053.003', 'cron tables', '/etc/crontab | /etc/cron.d | /etc/cron.d/** | /etc/cron.hourly/** | /etc/cron.daily/** | /etc/cron.weekly/** | /etc/cron.monthly/** | /var/spool/cron/** | /var/spool/cron/crontabs/** | /etc/anacrontab'],
  ['at-spool', 'persistence', 'T1053.002', 'high', 'attack:T1053.002', 'at job spool', '/var/spool/at/** | /var/spool/cron/atjobs/**'],
  ['systemd-units', 'persistence', 'T1543.002', 'high', 'attack:T1543.002', 'systemd units and timers', '/etc/systemd/system/** | /lib/systemd/system/** | /usr/lib/systemd/system/** | /run/systemd/system/** | **/.config/systemd/user/** | /etc/systemd/user/** | /usr/lib/systemd/user/**'],
  ['init-scripts', 'persistence', 'T1037.004', 'high', 'attack:T1037.004', 'init scripts', '/etc/init.d/** | /etc/rc*.d/** | /etc/init/*.conf'],
  ['rc-local', 'persistence', 'T1037.004', 'critical', 'attack:T1037.004', 'rc.local (runs at every boot)', '/etc/rc.local | /etc/rc.d/rc.local'],
  ['shell-rc', 'persistence', 'T1546.004', 'medium', 'attack:T1546.004', 'shell start-up files', '**/.bashrc | **/.bash_profile | **/.bash_login | **/.bash_logout | **/.profile | **/.zshrc | **/.zshenv | **/.zprofile | **/.zlogin | **/.config/fish/config.fish | /etc/profile | /etc/profile.d/** | /etc/bash.bashrc | /etc/bashrc | /etc/zsh/** | /etc/environment'],
  ['powershell-profile', 'persistence', 'T1546.013', 'medium', 'attack:T1546.013', 'PowerShell profiles', '**/windowspowershell/*profile.ps1 | **/documents/powershell/*profile.ps1 | **/windowspowershell/v1.0/profile.ps1'],
  ['authorized-keys', 'persistence', 'T1098.004', 'medium', 'attack:T1098.004', 'SSH authorized keys', '**/.ssh/authorized_keys | **/.ssh/authorized_keys2'],
  ['sshd-config', 'persistence', 'T1098.004', 'high', 'attack:T1098.004', 'SSH server configuration', '/etc/ssh/sshd_config | /etc/ssh/sshd_config.d/**'],
  ['launchd', 'persistence', 'T1543.001', 'high', 'attack:T1543.001', 'launch agents and daemons', '**/library/launchagents/** | /library/launchdaemons/** | /system/library/launchdaemons/**'],
  ['autostart', 'persistence', 'T1547.013', 'high', 'attack:T1547.013', 'desktop autostart entries', '**/.config/autostart/** | /etc/xdg/autostart/**'],
  ['ld-preload', 'persistence', 'T1574.006', 'critical', 'attack:T1574.006', 'the dynamic linker preload list', '/etc/ld.so.preload | /etc/ld.so.conf | /etc/ld.so.conf.d/**'],
  ['kernel-modules', 'persistence', 'T1547.006', 'high', 'attack:T1547.006', 'kernel modules loaded at boot', '/etc/modules | /etc/modules-load.d/** | /lib/modules/** | /etc/modprobe.d/**'],
  ['motd-udev', 'persistence', 'T1037', 'high', 'attack:T1037', 'scripts run at login or on device events (motd, udev)', '/etc/update-motd.d/** | /etc/udev/rules.d/** | /lib/udev/rules.d/**'],
  ['package-hooks', 'persistence', 'T1546', 'medium', 'attack:T1546', 'package manager hooks', '/etc/apt/apt.conf.d/** | /etc/yum/pluginconf.d/** | /etc/dnf/plugins/**'],
  ['startup-folder', 'persistence', 'T1547.001', 'critical', 'attack:T1547.001', 'Windows Startup folders', '**/start menu/programs/startup | **/start menu/programs/startup/**'],
  ['run-keys', 'persistence', 'T1547.001', 'critical', 'attack:T1547.001', 'registry Run/RunOnce keys', '**/currentversion/run | **/currentversion/runonce | **/currentversion/runonceex | **/currentversion/runservices | **/currentversion/runservicesonce | **/currentversion/policies/explorer/run | **/currentversion/run/** | **/currentversion/runonce/** | **/currentversion/runonceex/**'],
  ['winlogon', 'persistence', 'T1547.004', 'critical', 'attack:T1547.004', 'Winlogon helper values', '**/windows nt/currentversion/winlogon | **/windows nt/currentversion/winlogon/**'],
  ['ifeo', 'persistence', 'T1546.012', 'critical', 'attack:T1546.012', 'Image File Execution Options and SilentProcessExit', '**/image file execution options/** | **/currentversion/silentprocessexit/**'],
  ['appinit', 'persistence', 'T1546.010', 'critical', 'attack:T1546.010', 'AppInit_DLLs', '**/windows nt/currentversion/windows'],
  ['netsh-helper', 'persistence', 'T1546.007', 'critical', 'attack:T1546.007', 'netsh helper DLLs', 'hklm/software/microsoft/netsh | hklm/software/wow6432node/microsoft/netsh'],
  ['services-key', 'persistence', 'T1543.003', 'high', 'attack:T1543.003', 'Windows service definitions', 'hklm/system/currentcontrolset/services/** | hklm/system/controlset001/services/**'],
  ['com-hijack', 'persistence', 'T1546.015', 'critical', 'attack:T1546.015', 'per-user COM class registrations', 'hkcu/software/classes/clsid/** | hkcu/software/classes/wow6432node/clsid/**'],
  ['lsa-packages', 'persistence', 'T1547.005', 'critical', 'attack:T1547.005', 'LSA security and notification packages', 'hklm/system/currentcontrolset/control/lsa | hklm/system/currentcontrolset/control/lsa/**'],
  ['print-monitors', 'persistence', 'T1547.010', 'critical', 'attack:T1547.010', 'print port monitors', 'hklm/system/currentcontrolset/control/print/monitors/**'],
  ['time-providers', 'persistence', 'T1547.003', 'critical', 'attack:T1547.003', 'time provider DLLs', 'hklm/system/currentcontrolset/services/w32time/timeproviders/**'],
  ['active-setup', 'persistence', 'T1547.014', 'critical', 'attack:T1547.014', 'Active Setup components', '**/microsoft/active setup/installed components/**'],
  ['cmd-autorun', 'persistence', 'T1546', 'critical', 'attack:T1546', 'the cmd.exe AutoRun value', '**/software/microsoft/command processor'],
  ['boot-execute', 'persistence', 'T1547.001', 'critical', 'attack:T1547.001', 'Session Manager BootExecute', 'hklm/system/currentcontrolset/control/session manager'],
  ['screensaver', 'persistence', 'T1546.002', 'high', 'attack:T1546.002', 'the screensaver program', 'hkcu/control panel/desktop'],
  ['office-test', 'persistence', 'T1137.002', 'critical', 'attack:T1137.002', 'the Office test DLL key', '**/software/microsoft/office test/**'],
  ['task-folder', 'persistence', 'T1053.005', 'critical', 'attack:T1053.005', 'the scheduled task store', '**/windows/system32/tasks/** | **/windows/tasks/**'],
  ['accessibility-bins', 'persistence', 'T1546.008', 'critical', 'attack:T1546.008', 'accessibility programs run at the logon screen', '**/system32/sethc.exe | **/system32/utilman.exe | **/system32/osk.exe | **/system32/magnify.exe | **/system32/narrator.exe | **/system32/displayswitch.exe | **/system32/atbroker.exe'],
  ['uac-handlers', 'privilege-config', 'T1548.002', 'critical', 'attack:T1548.002', 'shell handlers that auto-elevating programs read (UAC bypass)', 'hkcu/software/classes/ms-settings/** | hkcu/software/classes/mscfile/** | hkcu/software/classes/exefile/** | hkcu/software/classes/folder/shell/** | hkcu/software/classes/launcher.systemsettings/** | hkcu/software/classes/appx*/shell/**'],
  // privilege configuration (write = privilege escalation)
  ['sudoers', 'privilege-config', 'T1548.003', 'critical', 'attack:T1548.003', 'sudo rules', '/etc/sudoers | /etc/sudoers.d | /etc/sudoers.d/** | /etc/doas.conf'],
  ['accounts', 'privilege-config', 'T1136.001', 'critical', 'attack:T1136.001', 'the account databases', '/etc/passwd | /etc/shadow | /etc/group | /etc/gshadow | /etc/master.passwd'],
  ['pam', 'privilege-config', 'T1556.003', 'critical', 'attack:T1556.003', 'PAM authentication modules', '/etc/pam.d/** | /lib/security/** | /lib/x86_64-linux-gnu/security/** | /usr/lib/security/**'],
  ['polkit', 'privilege-config', 'T1548', 'critical', 'attack:T1548', 'polkit rules', '/etc/polkit-1/rules.d/** | /etc/polkit-1/localauthority/**'],
  ['lsa-protection', 'privilege-config', 'T1562.001', 'critical', 'attack:T1562.001', 'LSA protection and credential caching switches', '**/control/securityproviders/wdigest | hklm/software/policies/microsoft/windows defender | hklm/software/policies/microsoft/windows defender/** | hklm/software/microsoft/windows defender/**'],
  // logs (delete or truncate = indicator removal)
  ['unix-logs', 'log', 'T1070.002', 'critical', 'attack:T1070.002', 'system logs', '/var/log | /var/log/auth.log* | /var/log/secure* | /var/log/syslog* | /var/log/messages* | /var/log/wtmp | /var/log/btmp | /var/log/lastlog | /var/run/utmp | /run/utmp | /var/log/audit | /var/log/audit/** | /var/log/journal | /var/log/journal/** | /var/log/kern.log* | /var/log/faillog | /var/adm/**'],
  ['shell-history-files', 'log', 'T1070.003', 'high', 'attack:T1070.003', 'command history files', '**/.bash_history | **/.zsh_history | **/.sh_history | **/consolehost_history.txt'],
  ['windows-event-logs', 'log', 'T1070.001', 'critical', 'attack:T1070.001', 'Windows event log files', '**/system32/winevt/logs | **/system32/winevt/logs/**'],
  // security tooling (stop, disable, remove = impair defenses)
  ['edr-av', 'security-tool', 'T1562.001', 'critical', 'attack:T1562.001', 'antivirus and EDR agents', '', 'windefend mpcmdrun sense wdnissvc wdfilter wdboot msmpeng mssense securityhealthservice wscsvc falcon-sensor falcond csagent csfalconservice csfalconcontainer cbagentd cbdefense carbonblack repmgr sentinelagent sentinelone sentinelctl cylancesvc cylanceui mdatp wdavdaemon xagt taniumclient qualys-cloud-agent elastic-agent elastic-endpoint endpoint-security sophos* savservice mcafee* masvc mfemms ekrn avp kavfs symantec* ccsvchst sepmasterservice clamav-daemon clamd clamav-freshclam freshclam osqueryd wazuh-agent ossec* aide tripwire rkhunter chkrootkit falco fail2ban crowdstrike defender msmpsvc'],
  ['audit-logging', 'security-tool', 'T1562.012', 'critical', 'attack:T1562.012', 'audit and event logging services', '', 'auditd audit sysmon sysmon64 sysmondrv eventlog rsyslog syslog syslog-ng systemd-journald journald auditbeat filebeat winlogbeat splunkd splunkforwarder fluentd fluent-bit td-agent nxlog'],
  ['host-firewall', 'security-tool', 'T1562.004', 'critical', 'attack:T1562.004', 'host firewalls', '', 'mpssvc firewalld ufw iptables ip6tables nftables netfilter-persistent bfe pf'],
  ['mac-hardening', 'security-tool', 'T1562.001', 'critical', 'attack:T1562.001', 'mandatory access control and integrity protection', '', 'apparmor selinux gatekeeper sip amsi'],
];

/** Raw target entries (validated by catalog.ts with the user's). */
export const builtinTargets: readonly TargetEntry[] = rows.map(([id, kind, technique, severity, sources, title, paths, names]) => ({
  id,
  kind,
  technique,
  severity,
  sources: sources.split(' '),
  title,
  ...(paths ? { paths: paths.split(' | ').map((s) => s.trim()) } : {}),
  ...(names ? { names: names.split(' ') } : {}),
}));
