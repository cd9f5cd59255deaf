#!/usr/bin/env python3
# dissect.vmfs (Fox-IT, AGPL: run as an external tool, never imported into
# vmfskit) walking a VMFS volume and hashing every regular file with md5 and
# sha256, hashdeep-style lines. Used by bench/hash-tree.sh only.
# Usage: PYTHONPATH=... python3 bench/dissect-hash-tree.py LUN [EXTENT...]
import hashlib, sys
from dissect.vmfs import lvm, vmfs

fhs = [open(p, 'rb') for p in sys.argv[1:]]
vs = lvm.LVM(fhs if len(fhs) > 1 else fhs[0])
fs = vmfs.VMFS(vs.volumes[0].open())
out = []
def walk(fd, path):
    for name, entry in sorted(fd.listdir().items()):
        if name in ('.', '..'):
            continue
        child = fs.get(entry) if not hasattr(entry, 'is_dir') else entry
        p = path + '/' + name
        if child.is_dir():
            walk(child, p)
        elif child.is_file():
            md5, sha = hashlib.md5(), hashlib.sha256()
            s = child.open()
            while True:
                b = s.read(1 << 20)
                if not b:
                    break
                md5.update(b); sha.update(b)
            out.append(f'{child.size},{md5.hexdigest()},{sha.hexdigest()},{p}')
walk(fs.get('/'), '')
sys.stdout.write('\n'.join(out) + '\n')
