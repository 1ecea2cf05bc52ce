import { defineRule, perInvocation } from './rule.js';
import { lowerArgs } from './match.js';

const DISK = /^\/dev\/(sd[a-z]|nvme\d|hd[a-z]|vd[a-z]|xvd[a-z]|mmcblk\d|disk\d|md\d|dm-|mapper\/|root)/;

export const rule = defineRule({
  id: 'disk_wipe',
  category: 'destructive',
  severity: 'critical',
  technique: 'T1561',
  title: 'Overwrites or formats a disk (dd of=/dev/sda, mkfs, shred, wipefs, format C:, Clear-Disk)',
  check: perInvocation((inv) => {
    const a = lowerArgs(inv);
    const p = inv.program;
    const dev = inv.args.find((x) => DISK.test(x.replace(/^of=/, ''))) ?? inv.redirects.find((r) => r.op.includes('>') && DISK.test(r.target))?.target;
    if (p === 'dd' && dev && dev.startsWith('of=')) return `overwrites the disk ${dev.slice(3)}, destroying its data`;
    if (/^mkfs(\.\w+)?$|^mke2fs$|^mkswap$|^wipefs$|^shred$|^blkdiscard$|^sgdisk$|^sfdisk$/.test(p) && dev) return `${p} destroys the data on ${dev}`;
    if (inv.redirects.some((r) => r.op.includes('>') && DISK.test(r.target))) return `writes straight onto the disk ${dev}, destroying its data`;
    if (p === 'format' && /^[a-z]:/.test(a)) return `formats drive ${a.slice(0, 2).toUpperCase()}`;
    if (/^(clear-disk|format-volume|remove-partition|initialize-disk)$/.test(p)) return `${p} erases a disk`;
    if (p === 'cipher' && /\/w:/.test(a)) return 'overwrites the free space of a drive';
    if (p === 'diskpart' && /clean/.test(inv.stdinText ?? a)) return 'diskpart clean erases a disk';
    return undefined;
  }),
  cases: {
    positive: [['bash', 'dd if=/dev/zero of=/dev/sda bs=1M'], ['bash', 'mkfs.ext4 /dev/nvme0n1'], ['bash', 'cat /dev/urandom > /dev/sda'], ['cmd', 'format C: /q /y'], ['powershell', 'Clear-Disk -Number 0 -RemoveData -Confirm:$false']],
    negative: [['bash', 'dd if=ubuntu.iso of=ubuntu-copy.iso'], ['bash', 'lsblk /dev/sda']],
  },
});
