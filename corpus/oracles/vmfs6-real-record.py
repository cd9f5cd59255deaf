#!/usr/bin/env python3
"""Record what debugvmfs6 (vmfs6-tools) and dissect.vmfs (run from a work tree outside the project, as an
external program: PYTHONPATH must name dissect.vmfs, dissect.cstruct and dissect.util) say about the real
VMFS-6 sample and about patched copies of it (corpus/oracles/vmfs6-patches.json), as the "vmfs6-real"
section of corpus/MANIFEST. vmfskit is not run here: the tests compare it against this record.
usage: python3 corpus/oracles/vmfs6-real-record.py IMAGE   (IMAGE = esxi-vmfs6-small.bin, uncompressed)"""
import hashlib, json, os, shutil, struct, subprocess, sys, tempfile
from datetime import datetime, timezone
from dissect.vmfs import lvm, vmfs

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
image = sys.argv[1]
BANNER = b'VMFS version: 6\n'

def dbg(img, *args):
    r = subprocess.run(['timeout', '120', 'debugvmfs6', img, *args], capture_output=True, env={**os.environ, 'TZ': 'UTC'})
    out = r.stdout[len(BANNER):] if r.stdout.startswith(BANNER) else r.stdout
    return r.returncode, out, r.stderr.decode(errors='replace').strip()

def epoch(d, t):
    return int(datetime.strptime(f'{d} {t}', '%Y-%m-%d %H:%M:%S').replace(tzinfo=timezone.utc).timestamp())

def dbg_ls(img, path):
    code, out, err = dbg(img, 'ls', '-l', path)
    rows = []
    for line in out.decode().splitlines():
        m, l, u, g, s, d, t, n = line.split(None, 7)
        rows.append({'name': n, 'modeString': m, 'nlink': int(l), 'user': u, 'group': g, 'size': int(s), 'mtime': epoch(d, t)})
    return {'exit': code, 'stdout': out.decode().splitlines(), 'entries': rows}

def open_fs(img):
    fh = open(img, 'rb')
    return fs_of(fh)

def fs_of(fh):
    return vmfs.VMFS(lvm.LVM([fh]).volumes[0].open())

def read_all(f):
    s = f.open(); h = hashlib.sha256(); n = 0
    while True:
        b = s.read(1 << 22)
        if not b: break
        h.update(b); n += len(b)
    return n, h.hexdigest()

def dissect_tree(img):
    fs = open_fs(img)
    out = []
    def walk(path, fd):
        for name, e in fd.listdir().items():
            if name in ('.', '..'): continue
            p = path.rstrip('/') + '/' + name
            f = e.file_descriptor
            rec = {'path': p, 'fdAddress': int(f.address), 'type': int(f.type), 'mode': f.mode, 'nlink': f.metadata.linkCount, 'size': f.size,
                   'mtime': int(f.mtime.timestamp()), 'ctime': int(f.ctime.timestamp()), 'atime': int(f.atime.timestamp()), 'zla': int(f.zla)}
            if f.is_symlink(): rec['symlinkTarget'] = f.link
            elif not f.is_dir(): rec['sha256'] = read_all(f)[1]
            out.append(rec)
            if f.is_dir() and name != '.sdd.sf': walk(p, f)
    walk('/', fs.get('/'))
    d = fs.descriptor
    vol = {'label': fs.label, 'uuid': str(fs.uuid), 'major': fs.major_version, 'minor': fs.minor_version, 'fileBlockSize': fs.file_block_size,
           'subBlockSize': fs.sub_block_size, 'mdAlignment': fs.md_alignment, 'local': fs.is_local, 'sfbToLfbShift': d.sfbToLfbShift}
    return vol, out

def enc(kind, v):
    if kind == 'u8': return struct.pack('<B', v)
    if kind == 'u32': return struct.pack('<I', v)
    if kind == 'u64': return struct.pack('<Q', v)
    return b''.join(struct.pack('<Q', int(x, 16)) for x in v)

def dissect_case(img, c):
    try:
        fs = open_fs(img)
        if c.get('bad') and c['cmd'][0] == 'ls':
            return {'listing': [n for n in fs.get(c['cmd'][-1]).listdir()]}
        n, h = read_all(fs.get(c['path'] if 'path' in c else c['cmd'][-1]))
        return {'size': n, 'sha256': h, 'local': fs.is_local}
    except Exception as e:
        return {'error': f'{type(e).__name__}: {e}'[:300]}

def main():
    vol, tree = dissect_tree(image)
    rec = {
        'about': 'The real VMFS-6 sample (../shared/corpus/esxi-vmfs6-small.bin.gz, bare partition) as debugvmfs6 and dissect.vmfs read it, '
                 'and patched copies of it (writes at host byte offsets of the bare image) for what the sample lacks; '
                 'recorded by corpus/oracles/vmfs6-real-record.py. Where the two readers disagree, "why" says which one the format reference (vmfs-format.md) backs.',
        'image': {'name': 'esxi-vmfs6-small.bin', 'size': os.path.getsize(image), 'sha256': hashlib.sha256(open(image, 'rb').read()).hexdigest()},
        'tools': {'debugvmfs6': subprocess.run(['dpkg-query', '-W', '-f', 'vmfs6-tools ${Version}', 'vmfs6-tools'], capture_output=True, text=True).stdout,
                  'dissect': 'dissect.vmfs 0a385a1 (with dissect.cstruct and dissect.util), run from /tmp/dissect'},
        'volume': vol,
        'debugvmfs6': {
            'ls -l /directory': dbg_ls(image, '/directory'),
            'ls -l /': dbg_ls(image, '/'),
            'cat': {p: hashlib.sha256(dbg(image, 'cat', p)[1]).hexdigest() for p in ('/directory/file4', '/directory/file5', '/directory/symlink')},
            'df': dbg(image, 'df')[1].decode().splitlines(),
        },
        'dissect': tree,
        'patched': [],
    }
    cases = json.load(open(os.path.join(root, 'corpus', 'oracles', 'vmfs6-patches.json')))
    tmp = tempfile.mkdtemp()
    img = os.path.join(tmp, 'patched.img')
    try:
        for c in cases:
            shutil.copyfile(image, img)
            with open(img, 'r+b') as f:
                for at, kind, v in c.get('writes', []):
                    f.seek(int(at, 16)); f.write(enc(kind, v))
                if 'truncate' in c: f.truncate(c['truncate'])
            r = dict(c)
            r['dissect'] = dissect_case(img, c)
            cmd = c['cmd'] if c.get('bad') else ['cat', c['path']]
            code, out, err = dbg(img, *cmd)
            r['debugvmfs6'] = {'command': cmd, 'exit': code, 'size': len(out), 'sha256': hashlib.sha256(out).hexdigest(), 'stderr': err,
                               **({'stdout': out.decode(errors='replace').splitlines()} if cmd[0] == 'ls' else {})}
            rec['patched'].append(r)
    finally:
        shutil.rmtree(tmp)
    mpath = os.path.join(root, 'corpus', 'MANIFEST')
    m = json.load(open(mpath))
    m['vmfs6-real'] = rec
    with open(mpath + '.tmp', 'w') as f:
        json.dump(m, f, indent=2, ensure_ascii=False); f.write('\n')
    os.replace(mpath + '.tmp', mpath)

main()
