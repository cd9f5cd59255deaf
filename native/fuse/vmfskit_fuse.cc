// vmfskit's own libfuse2 binding, used by `vmfskit mount` in place of fuse-native when it builds.
//
// Why it exists: fuse-native hands every kernel request (128 KiB at most with libfuse2) to Node's
// main thread and waits for the answer, so a sequential reader costs one thread round trip per
// 128 KiB and tops out near 1 GB/s (shared/docs/fuse-native-notes.md §6). Here every open file
// has a chunk cache owned by the libfuse worker threads: JavaScript fills whole chunks (1 MiB) from
// the BlockDevice, ahead of a sequential reader, and the workers answer most requests with a memcpy
// without waking Node at all. Everything else (lookups, listings, random reads, damaged chunks)
// goes to the same JavaScript handlers as before, one round trip each.
//
// Threads: libfuse workers never call N-API. They queue requests on a threadsafe function and wait
// on the request's condition variable; the JavaScript handler answers through reply(), which runs
// on the main thread, converts the answer, and wakes the worker. Chunk buffers are Node Buffers
// created on the main thread and pinned by a reference for the life of the open file, so workers
// may copy out of them while JavaScript never touches them except during that chunk's load.
#define FUSE_USE_VERSION 26
#include <fuse.h>
#include <fuse_lowlevel.h>
#include <node_api.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace {

enum Op { OP_GETATTR, OP_READDIR, OP_READLINK, OP_OPEN, OP_READ, OP_RELEASE, OP_STATFS, OP_LOAD, OP_ENDED, OP_COUNT };
const char* const OP_NAMES[OP_COUNT] = {"getattr", "readdir", "readlink", "open", "read", "release", "statfs", "load", "ended"};

const size_t PAGE = 4096;

enum SlotState { SLOT_FREE, SLOT_LOADING, SLOT_READY, SLOT_FAILED };

struct Slot {
  int64_t chunk = -1;
  SlotState state = SLOT_FREE;
  size_t len = 0;         // bytes the load filled (short only at the end of the file)
  char* data = nullptr;   // a pinned Node Buffer's memory
  size_t cap = 0;         // its size: a chunk, or the whole file when that is smaller
  bool counted = false;   // holds one of the mount's buffers (reserved before the main thread allocates)
  napi_ref ref = nullptr;
  uint64_t used = 0;      // LRU tick
  int readers = 0;        // workers copying out of it right now
};

struct Mount;

struct FileCache {
  uint64_t fh = 0;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Slot> slots;
  int64_t next = 0;       // where a sequential reader is expected next
  int64_t size = -1;      // from open; -1 when JavaScript did not say
  int64_t eof_chunk = -1; // the last chunk: from that size, or a short load when the size is unknown
  uint64_t tick = 0;
  int refs = 1;           // the open handle + one per load in flight
  Mount* m = nullptr;
  size_t small = 0;       // a file smaller than one chunk gets buffers of its own size
};

struct Request {
  Op op;
  Mount* m = nullptr;
  std::string path;
  uint64_t fh = 0;
  int flags = 0;
  size_t len = 0;
  int64_t pos = 0;
  // answers
  int result = -EIO;
  char* dst = nullptr;
  struct stat* st = nullptr;
  struct statvfs* sv = nullptr;
  std::vector<std::string> names;
  std::string link;
  uint64_t out_fh = 0;
  int64_t out_size = -1;       // open: the file's size, when JavaScript tells it
  napi_ref buf_ref = nullptr;  // read: the Buffer JavaScript fills
  // loads: nobody waits on the request itself; the file's cache is told
  FileCache* fc = nullptr;
  int slot = -1;
  bool answered = false;
  std::mutex mu;
  std::condition_variable cv;
};

struct Mount {
  std::string mountpoint;
  std::string options;
  napi_threadsafe_function tsfn = nullptr;
  bool has_load = false;
  size_t chunk = 1 << 20;
  int ahead = 6;
  int keep = 16;
  // Chunk buffers of all open files together: past this, reads go to JavaScript instead of growing.
  int max_buffers = 64;
  std::atomic<int> buffers{0};
  struct fuse_chan* ch = nullptr;
  struct fuse* fuse = nullptr;
  pthread_t thread;
  std::mutex mu;
  std::map<uint64_t, FileCache*> files;
  bool stopped = false;
};

Mount* current(void) { return static_cast<Mount*>(fuse_get_context()->private_data); }

// ---- worker side ---------------------------------------------------------------------------

// Queue `r` for the main thread and wait for its answer.
int call_js(Request* r) {
  r->m = r->m ? r->m : current();
  if (napi_call_threadsafe_function(r->m->tsfn, r, napi_tsfn_blocking) != napi_ok) return -EIO;
  std::unique_lock<std::mutex> lk(r->mu);
  r->cv.wait(lk, [r] { return r->answered; });
  return r->result;
}

int op_getattr(const char* path, struct stat* st) {
  Request r;
  r.op = OP_GETATTR;
  r.path = path;
  memset(st, 0, sizeof *st);
  r.st = st;
  return call_js(&r);
}

int op_readlink(const char* path, char* buf, size_t size) {
  Request r;
  r.op = OP_READLINK;
  r.path = path;
  int rc = call_js(&r);
  if (rc < 0) return rc;
  if (size == 0) return -EINVAL;
  size_t n = r.link.size() < size - 1 ? r.link.size() : size - 1;
  memcpy(buf, r.link.data(), n);
  buf[n] = 0;
  return 0;
}

int op_readdir(const char* path, void* buf, fuse_fill_dir_t filler, off_t, struct fuse_file_info*) {
  Request r;
  r.op = OP_READDIR;
  r.path = path;
  int rc = call_js(&r);
  if (rc < 0) return rc;
  for (const std::string& name : r.names)
    if (filler(buf, name.c_str(), nullptr, 0)) break;
  return 0;
}

int op_open(const char* path, struct fuse_file_info* fi) {
  Request r;
  r.op = OP_OPEN;
  r.path = path;
  r.flags = fi->flags;
  int rc = call_js(&r);
  if (rc < 0) return rc;
  fi->fh = r.out_fh;
  Mount* m = r.m;
  // An empty file has nothing to cache: its reads (none, past the end) go to JavaScript.
  if (m->has_load && r.out_size != 0) {
    FileCache* fc = new FileCache();
    fc->fh = r.out_fh;
    fc->m = m;
    fc->size = r.out_size;
    if (r.out_size > 0) fc->eof_chunk = (r.out_size - 1) / (int64_t)m->chunk;
    fc->small = r.out_size > 0 && r.out_size < (int64_t)m->chunk ? (size_t)r.out_size : 0;
    fc->slots.resize(m->keep);
    std::lock_guard<std::mutex> g(m->mu);
    m->files[r.out_fh] = fc;
  }
  return 0;
}

int op_release(const char* path, struct fuse_file_info* fi) {
  Request r;
  r.op = OP_RELEASE;
  r.path = path ? path : "";
  r.fh = fi->fh;
  call_js(&r);  // drops the file's cache on the main thread, where its Buffers can be released
  return 0;
}

int op_statfs(const char* path, struct statvfs* sv) {
  Request r;
  r.op = OP_STATFS;
  r.path = path;
  memset(sv, 0, sizeof *sv);
  r.sv = sv;
  return call_js(&r);
}

// The whole request, answered by JavaScript (random reads, damaged chunks, no cache).
int forward_read(Mount* m, const char* path, char* buf, size_t size, off_t off, uint64_t fh) {
  Request r;
  r.op = OP_READ;
  r.m = m;
  r.path = path ? path : "";
  r.fh = fh;
  r.len = size;
  r.pos = off;
  r.dst = buf;
  return call_js(&r);
}

// With fc->mu held: start loading `chunk` into a free slot, or into the least recently used one
// that nobody is loading or copying from. Returns the slot, or -1 when every slot is busy (the
// caller then reads without the cache).
int start_load(Mount* m, FileCache* fc, int64_t chunk) {
  int victim = -1;
  for (size_t i = 0; i < fc->slots.size(); i++) {
    Slot& s = fc->slots[i];
    if (s.state == SLOT_FREE) {
      victim = (int)i;
      break;
    }
    if (s.state == SLOT_LOADING || s.readers > 0) continue;
    if (victim < 0 || s.used < fc->slots[victim].used) victim = (int)i;
  }
  if (victim < 0) return -1;
  Slot& s = fc->slots[victim];
  if (!s.counted) {
    if (m->buffers.fetch_add(1) >= m->max_buffers) {
      m->buffers.fetch_sub(1);
      return -1;
    }
    s.counted = true;
  }
  s.chunk = chunk;
  s.state = SLOT_LOADING;
  s.len = 0;
  s.used = ++fc->tick;
  Request* r = new Request();
  r->op = OP_LOAD;
  r->m = m;
  r->fh = fc->fh;
  r->pos = chunk * (int64_t)m->chunk;
  r->len = m->chunk;
  r->fc = fc;
  r->slot = victim;
  fc->refs++;
  if (napi_call_threadsafe_function(m->tsfn, r, napi_tsfn_nonblocking) != napi_ok) {
    fc->refs--;
    s.state = SLOT_FAILED;
    delete r;
  }
  return victim;
}

int find_slot(FileCache* fc, int64_t chunk) {
  for (size_t i = 0; i < fc->slots.size(); i++)
    if (fc->slots[i].chunk == chunk && fc->slots[i].state != SLOT_FREE) return (int)i;
  return -1;
}

// The slot holding `chunk`, loading it first if needed; -1 when no slot can take it.
int slot_for(Mount* m, FileCache* fc, int64_t chunk) {
  int i = find_slot(fc, chunk);
  // Wanted again (by the prefetch of a later read): not the one to evict next.
  if (i >= 0) fc->slots[i].used = ++fc->tick;
  return i >= 0 ? i : start_load(m, fc, chunk);
}

int op_read(const char* path, char* buf, size_t size, off_t off, struct fuse_file_info* fi) {
  Mount* m = current();
  FileCache* fc = nullptr;
  {
    std::lock_guard<std::mutex> g(m->mu);
    auto it = m->files.find(fi->fh);
    if (it != m->files.end()) fc = it->second;
  }
  if (!fc) return forward_read(m, path, buf, size, off, fi->fh);
  if (size == 0 || (fc->size >= 0 && off >= fc->size)) return 0;
  const int64_t chunk = (int64_t)m->chunk;
  const int64_t end = off + (int64_t)size;
  const int64_t first = off / chunk, last = (end - 1) / chunk;
  std::unique_lock<std::mutex> lk(fc->mu);
  // Kernel readahead reorders a sequential reader's requests a little.
  const int64_t gap = off > fc->next ? off - fc->next : fc->next - off;
  const bool sequential = gap <= 2 * chunk;
  fc->next = sequential && fc->next > end ? fc->next : end;
  if (sequential) {
    const int64_t stop = fc->eof_chunk >= 0 && fc->eof_chunk < last + m->ahead ? fc->eof_chunk : last + m->ahead;
    for (int64_t c = first; c <= stop; c++) {
      if (slot_for(m, fc, c) < 0 && c <= last) {
        lk.unlock();
        return forward_read(m, path, buf, size, off, fi->fh);
      }
    }
  } else {
    // Random reads (TSK) are not worth a whole chunk each: only a cached chunk answers them.
    for (int64_t c = first; c <= last; c++) {
      int i = find_slot(fc, c);
      if (i < 0 || fc->slots[i].state != SLOT_READY) {
        lk.unlock();
        return forward_read(m, path, buf, size, off, fi->fh);
      }
    }
  }
  size_t done = 0;
  bool eof = false;
  while (done < size && !eof) {
    const int64_t at = off + (int64_t)done;
    const int64_t c = at / chunk;
    int i = slot_for(m, fc, c);
    if (i < 0) break;
    Slot* s = &fc->slots[i];
    s->readers++;
    fc->cv.wait(lk, [s] { return s->state != SLOT_LOADING; });
    if (s->state != SLOT_READY || s->chunk != c) {
      s->readers--;
      break;
    }
    s->used = ++fc->tick;
    const size_t within = (size_t)(at - c * chunk);
    const size_t avail = within < s->len ? s->len - within : 0;
    const size_t n = avail < size - done ? avail : size - done;
    // A chunk shorter than a full one is the last of the file.
    eof = s->len < (size_t)chunk && within + n >= s->len;
    lk.unlock();
    memcpy(buf + done, s->data + within, n);
    lk.lock();
    s->readers--;
    done += n;
  }
  lk.unlock();
  if (done == size || eof) return (int)done;
  // A chunk that failed to load (damaged structure, I/O error) must not fail the bytes around it:
  // JavaScript reads just the rest of this request and answers with its own error, if any.
  // On failure the whole request fails: a short count would be taken by the kernel as the end of
  // the file (it then shrinks its cached size). It retries page by page, so the good pages still read.
  int rc = forward_read(m, path, buf + done, size - done, off + (off_t)done, fi->fh);
  return rc < 0 ? rc : (int)(done + rc);
}

// When the kernel ends the session (fusermount -u from anywhere), tell JavaScript, so the daemon
// exits instead of lingering with an auto_unmount watchdog that could later unmount a newer mount.
void* loop_thread(void* arg) {
  Mount* m = static_cast<Mount*>(arg);
  fuse_loop_mt(m->fuse);
  Request* r = new Request();
  r->op = OP_ENDED;
  r->m = m;
  if (napi_call_threadsafe_function(m->tsfn, r, napi_tsfn_blocking) != napi_ok) delete r;
  return nullptr;
}

// ---- main-thread side ----------------------------------------------------------------------

#define NAPI_OK(call) ((call) == napi_ok)

napi_value str(napi_env env, const std::string& s) {
  napi_value v;
  napi_create_string_utf8(env, s.data(), s.size(), &v);
  return v;
}

napi_value num(napi_env env, double d) {
  napi_value v;
  napi_create_double(env, d, &v);
  return v;
}

bool get_prop_num(napi_env env, napi_value obj, const char* key, double* out) {
  napi_value v, n;
  bool has = false;
  if (!NAPI_OK(napi_has_named_property(env, obj, key, &has)) || !has) return false;
  if (!NAPI_OK(napi_get_named_property(env, obj, key, &v))) return false;
  // Dates coerce to milliseconds since 1970.
  if (!NAPI_OK(napi_coerce_to_number(env, v, &n))) return false;
  return NAPI_OK(napi_get_value_double(env, n, out));
}

void free_cache(napi_env env, FileCache* fc) {
  for (Slot& s : fc->slots) {
    if (s.ref) napi_delete_reference(env, s.ref);
    if (s.counted) fc->m->buffers.fetch_sub(1);
  }
  delete fc;
}

// The request whose JavaScript handler runs right now, and whether it answered before returning:
// main-thread only, so a handler that throws can be answered without touching a request that a
// worker may already have destroyed after an answer.
Request* g_running = nullptr;
bool g_answered = false;

void drop_ref(napi_env env, FileCache* fc) {
  bool last;
  {
    std::lock_guard<std::mutex> g(fc->mu);
    last = --fc->refs == 0;
  }
  if (last) free_cache(env, fc);
}

void answer(napi_env env, Request* r, int32_t code, napi_value value, napi_value size_arg);

// Runs a request on the main thread: calls dispatch(op, request, path, fh, len, pos, flags, buffer).
void run_on_main(napi_env env, napi_value js_dispatch, void*, void* data) {
  Request* r = static_cast<Request*>(data);
  if (env == nullptr) {  // the function is being torn down: answer so no worker waits forever
    r->result = -EIO;
    if (r->op == OP_ENDED) {
      delete r;
      return;
    }
    if (r->op == OP_LOAD) {
      {
        std::lock_guard<std::mutex> g(r->fc->mu);
        r->fc->slots[r->slot].state = SLOT_FAILED;
        r->fc->refs--;
        r->fc->cv.notify_all();
      }
      delete r;
      return;
    }
    std::lock_guard<std::mutex> g(r->mu);
    r->answered = true;
    r->cv.notify_all();
    return;
  }
  napi_value buffer = nullptr;
  if (r->op == OP_READ) {
    void* p;
    if (NAPI_OK(napi_create_buffer(env, r->len, &p, &buffer))) napi_create_reference(env, buffer, 1, &r->buf_ref);
  } else if (r->op == OP_LOAD) {
    Slot* s;
    {
      std::lock_guard<std::mutex> g(r->fc->mu);
      s = &r->fc->slots[r->slot];
    }
    if (!s->ref) {
      // A page-aligned view: preads from the page cache into it run 2-3 times faster than into
      // malloc's 16-byte offset (src/device/aligned.ts).
      void* p;
      napi_value b, ab, view;
      napi_typedarray_type type;
      size_t len, boff;
      void* data;
      const size_t bytes = r->fc->small ? r->fc->small : r->m->chunk;
      if (NAPI_OK(napi_create_buffer(env, bytes + PAGE, &p, &b)) &&
          NAPI_OK(napi_get_typedarray_info(env, b, &type, &len, &data, &ab, &boff))) {
        const size_t skip = (PAGE - ((uintptr_t)p & (PAGE - 1))) & (PAGE - 1);
        if (NAPI_OK(napi_create_typedarray(env, napi_uint8_array, bytes, ab, boff + skip, &view)) &&
            NAPI_OK(napi_create_reference(env, view, 1, &s->ref))) {
          std::lock_guard<std::mutex> g(r->fc->mu);
          s->data = static_cast<char*>(p) + skip;
          s->cap = bytes;
        }
      }
    }
    if (s->ref) napi_get_reference_value(env, s->ref, &buffer);
  } else if (r->op == OP_RELEASE) {
    FileCache* fc = nullptr;
    {
      std::lock_guard<std::mutex> g(r->m->mu);
      auto it = r->m->files.find(r->fh);
      if (it != r->m->files.end()) {
        fc = it->second;
        r->m->files.erase(it);
      }
    }
    if (fc) drop_ref(env, fc);
  }
  napi_value ext, undefined, argv[8], result;
  napi_get_undefined(env, &undefined);
  napi_create_external(env, r, nullptr, nullptr, &ext);
  argv[0] = str(env, OP_NAMES[r->op]);
  argv[1] = ext;
  argv[2] = str(env, r->path);
  argv[3] = num(env, (double)r->fh);
  argv[4] = num(env, (double)r->len);
  argv[5] = num(env, (double)r->pos);
  argv[6] = num(env, r->flags);
  argv[7] = buffer ? buffer : undefined;
  g_running = r;
  g_answered = false;
  const bool ok = NAPI_OK(napi_call_function(env, undefined, js_dispatch, 8, argv, &result));
  g_running = nullptr;
  if (r->op == OP_ENDED) {
    delete r;
    return;
  }
  if (ok) return;
  napi_value exc;
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) napi_get_and_clear_last_exception(env, &exc);
  // The dispatcher answers every request itself, even when a handler throws; a call that failed
  // anyway (stack overflow, termination) is answered here so no worker waits forever.
  if (!g_answered) answer(env, r, -EIO, nullptr, nullptr);
}

void fill_stat(napi_env env, napi_value v, struct stat* st) {
  double d;
  if (get_prop_num(env, v, "mode", &d)) st->st_mode = (mode_t)d;
  if (get_prop_num(env, v, "size", &d)) st->st_size = (off_t)d;
  if (get_prop_num(env, v, "uid", &d)) st->st_uid = (uid_t)d;
  if (get_prop_num(env, v, "gid", &d)) st->st_gid = (gid_t)d;
  if (get_prop_num(env, v, "nlink", &d)) st->st_nlink = (nlink_t)d;
  if (get_prop_num(env, v, "blocks", &d)) st->st_blocks = (blkcnt_t)d;
  if (get_prop_num(env, v, "blksize", &d)) st->st_blksize = (blksize_t)d;
  if (get_prop_num(env, v, "ino", &d)) st->st_ino = (ino_t)d;
  struct { const char* key; struct timespec* ts; } times[] = {
      {"mtime", &st->st_mtim}, {"atime", &st->st_atim}, {"ctime", &st->st_ctim}};
  for (auto& t : times) {
    if (!get_prop_num(env, v, t.key, &d)) continue;
    int64_t ms = (int64_t)d;
    t.ts->tv_sec = ms / 1000;
    t.ts->tv_nsec = (long)((ms % 1000) * 1000000);
  }
}

void fill_statvfs(napi_env env, napi_value v, struct statvfs* sv) {
  double d;
  if (get_prop_num(env, v, "bsize", &d)) sv->f_bsize = (unsigned long)d;
  if (get_prop_num(env, v, "frsize", &d)) sv->f_frsize = (unsigned long)d;
  if (get_prop_num(env, v, "blocks", &d)) sv->f_blocks = (fsblkcnt_t)d;
  if (get_prop_num(env, v, "bfree", &d)) sv->f_bfree = (fsblkcnt_t)d;
  if (get_prop_num(env, v, "bavail", &d)) sv->f_bavail = (fsblkcnt_t)d;
  if (get_prop_num(env, v, "files", &d)) sv->f_files = (fsfilcnt_t)d;
  if (get_prop_num(env, v, "ffree", &d)) sv->f_ffree = (fsfilcnt_t)d;
  if (get_prop_num(env, v, "favail", &d)) sv->f_favail = (fsfilcnt_t)d;
  if (get_prop_num(env, v, "fsid", &d)) sv->f_fsid = (unsigned long)d;
  if (get_prop_num(env, v, "flag", &d)) sv->f_flag = (unsigned long)d;
  if (get_prop_num(env, v, "namemax", &d)) sv->f_namemax = (unsigned long)d;
}

// The answer to one request, exactly once: converts `value` (and, for an open, `size`) on the main
// thread, copies a read's bytes, and wakes the worker (or, for a load, the file's readers).
void answer(napi_env env, Request* r, int32_t code, napi_value value, napi_value size_arg) {
  if (r == g_running) g_answered = true;
  napi_valuetype vt = napi_undefined;
  if (value) napi_typeof(env, value, &vt);
  int result = code;
  if (code >= 0) {
    switch (r->op) {
      case OP_GETATTR:
        if (vt == napi_object) fill_stat(env, value, r->st);
        else result = -EIO;
        break;
      case OP_STATFS:
        if (vt == napi_object) fill_statvfs(env, value, r->sv);
        else result = -EIO;
        break;
      case OP_READDIR: {
        bool is_array = false;
        if (vt == napi_object) napi_is_array(env, value, &is_array);
        if (!is_array) { result = -EIO; break; }
        uint32_t n = 0;
        napi_get_array_length(env, value, &n);
        for (uint32_t i = 0; i < n; i++) {
          napi_value e;
          size_t len = 0;
          if (!NAPI_OK(napi_get_element(env, value, i, &e)) || !NAPI_OK(napi_get_value_string_utf8(env, e, nullptr, 0, &len))) continue;
          std::string s(len, '\0');
          napi_get_value_string_utf8(env, e, &s[0], len + 1, &len);
          r->names.push_back(s);
        }
        break;
      }
      case OP_READLINK: {
        size_t len = 0;
        if (vt != napi_string || !NAPI_OK(napi_get_value_string_utf8(env, value, nullptr, 0, &len))) { result = -EIO; break; }
        r->link.assign(len, '\0');
        napi_get_value_string_utf8(env, value, &r->link[0], len + 1, &len);
        break;
      }
      case OP_OPEN: {
        double fh = 0;
        if (vt != napi_number || !NAPI_OK(napi_get_value_double(env, value, &fh))) { result = -EIO; break; }
        r->out_fh = (uint64_t)fh;
        double size = -1;
        if (size_arg && NAPI_OK(napi_get_value_double(env, size_arg, &size)) && size >= 0) r->out_size = (int64_t)size;
        result = 0;
        break;
      }
      case OP_READ: {
        napi_value b;
        void* data = nullptr;
        size_t blen = 0;
        if (r->buf_ref && NAPI_OK(napi_get_reference_value(env, r->buf_ref, &b)) && NAPI_OK(napi_get_buffer_info(env, b, &data, &blen))) {
          size_t n = (size_t)code;
          if (n > r->len) n = r->len;
          if (n > blen) n = blen;
          memcpy(r->dst, data, n);
          result = (int)n;
        } else {
          result = -EIO;
        }
        break;
      }
      default:
        break;
    }
  }
  if (r->buf_ref) {
    napi_delete_reference(env, r->buf_ref);
    r->buf_ref = nullptr;
  }
  if (r->op == OP_LOAD) {
    FileCache* fc = r->fc;
    napi_ref orphan = nullptr;
    {
      std::lock_guard<std::mutex> g(fc->mu);
      Slot& s = fc->slots[r->slot];
      // With the size known, a load must fill exactly what the file has there; anything shorter is
      // a failed read, not the end of the file (the kernel would shrink its size to it).
      const int64_t pos = s.chunk * (int64_t)r->m->chunk;
      const int64_t left = fc->size >= 0 ? fc->size - pos : -1;
      const size_t want = left >= 0 ? ((size_t)left < s.cap ? (size_t)left : s.cap) : 0;
      if (result >= 0 && s.data && (fc->size < 0 || (size_t)result == want)) {
        s.len = (size_t)result < s.cap ? (size_t)result : s.cap;
        s.state = SLOT_READY;
        if (fc->size < 0 && s.len < r->m->chunk && (fc->eof_chunk < 0 || s.chunk < fc->eof_chunk)) fc->eof_chunk = s.chunk;
      } else {
        // JavaScript may still be writing into this buffer (a device read can reject before all of
        // its parts landed): never reuse it; the next load of this slot gets a fresh one.
        s.state = SLOT_FAILED;
        orphan = s.ref;
        s.ref = nullptr;
        s.data = nullptr;
        s.cap = 0;
      }
      fc->cv.notify_all();
    }
    if (orphan) napi_delete_reference(env, orphan);
    delete r;
    drop_ref(env, fc);
    return;
  }
  std::lock_guard<std::mutex> g(r->mu);
  r->result = result;
  r->answered = true;
  // Inside the lock: once it is released the worker may return and destroy the request.
  r->cv.notify_all();
}

// reply(request, code, value[, size]): JavaScript's answer (the dispatcher calls it exactly once).
napi_value Reply(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  void* p = nullptr;
  if (argc < 2 || !NAPI_OK(napi_get_value_external(env, argv[0], &p)) || !p) {
    napi_throw_type_error(env, nullptr, "reply(request, code[, value[, size]])");
    return nullptr;
  }
  int32_t code = -EIO;
  napi_get_value_int32(env, argv[1], &code);
  answer(env, static_cast<Request*>(p), code, argc > 2 ? argv[2] : nullptr, argc > 3 ? argv[3] : nullptr);
  return nullptr;
}

bool get_string(napi_env env, napi_value v, std::string* out) {
  size_t len = 0;
  if (!NAPI_OK(napi_get_value_string_utf8(env, v, nullptr, 0, &len))) return false;
  out->assign(len, '\0');
  return NAPI_OK(napi_get_value_string_utf8(env, v, &(*out)[0], len + 1, &len));
}

void finalize_mount(napi_env, void*, void*) {
  // The Mount lives as long as the process: libfuse threads may still hold it after stop().
}

// mount(mountpoint, optionString, dispatch, { load, chunk, ahead, keep }) -> handle
napi_value MountFs(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  Mount* m = new Mount();
  if (argc < 3 || !get_string(env, argv[0], &m->mountpoint) || !get_string(env, argv[1], &m->options)) {
    delete m;
    napi_throw_type_error(env, nullptr, "mount(mountpoint, options, dispatch[, cache])");
    return nullptr;
  }
  if (argc > 3) {
    napi_valuetype t;
    napi_typeof(env, argv[3], &t);
    if (t == napi_object) {
      double d;
      if (get_prop_num(env, argv[3], "chunk", &d) && d >= 4096) m->chunk = (size_t)d;
      if (get_prop_num(env, argv[3], "ahead", &d) && d >= 0) m->ahead = (int)d;
      if (get_prop_num(env, argv[3], "keep", &d) && d >= 2) m->keep = (int)d;
      if (m->keep < m->ahead + 2) m->keep = m->ahead + 2;
      bool has = false;
      napi_has_named_property(env, argv[3], "load", &has);
      if (has) {
        napi_value v;
        bool b = false;
        napi_get_named_property(env, argv[3], "load", &v);
        napi_get_value_bool(env, v, &b);
        m->has_load = b;
      }
    }
  }
  napi_value name = str(env, "vmfskit-fuse");
  if (!NAPI_OK(napi_create_threadsafe_function(env, argv[2], nullptr, name, 0, 1, nullptr, nullptr, nullptr, run_on_main, &m->tsfn))) {
    delete m;
    napi_throw_error(env, nullptr, "cannot create the request queue");
    return nullptr;
  }
  struct fuse_args args = FUSE_ARGS_INIT(0, nullptr);
  fuse_opt_add_arg(&args, "vmfskit");
  if (!m->options.empty()) fuse_opt_add_arg(&args, m->options.c_str());
  m->ch = fuse_mount(m->mountpoint.c_str(), &args);
  // Children of the daemon (the unmount helpers) must not inherit /dev/fuse (fuse-native-notes §4).
  if (m->ch) fcntl(fuse_chan_fd(m->ch), F_SETFD, FD_CLOEXEC);
  if (!m->ch) {
    fuse_opt_free_args(&args);
    napi_release_threadsafe_function(m->tsfn, napi_tsfn_abort);
    delete m;
    napi_throw_error(env, "EMOUNT", "fuse_mount failed (see the line above from fusermount)");
    return nullptr;
  }
  static struct fuse_operations ops;
  memset(&ops, 0, sizeof ops);
  ops.getattr = op_getattr;
  ops.readlink = op_readlink;
  ops.readdir = op_readdir;
  ops.open = op_open;
  ops.read = op_read;
  ops.release = op_release;
  ops.statfs = op_statfs;
  ops.flag_nullpath_ok = 0;
  m->fuse = fuse_new(m->ch, &args, &ops, sizeof ops, m);
  fuse_opt_free_args(&args);
  if (!m->fuse) {
    fuse_unmount(m->mountpoint.c_str(), m->ch);
    napi_release_threadsafe_function(m->tsfn, napi_tsfn_abort);
    delete m;
    napi_throw_error(env, "EMOUNT", "fuse_new failed (bad mount options?)");
    return nullptr;
  }
  if (pthread_create(&m->thread, nullptr, loop_thread, m) != 0) {
    fuse_unmount(m->mountpoint.c_str(), m->ch);
    fuse_destroy(m->fuse);
    napi_release_threadsafe_function(m->tsfn, napi_tsfn_abort);
    delete m;
    napi_throw_error(env, nullptr, "cannot start the FUSE thread");
    return nullptr;
  }
  pthread_detach(m->thread);
  napi_value handle;
  napi_create_external(env, m, finalize_mount, nullptr, &handle);
  return handle;
}

// stop(handle): after the mount is gone (fusermount -u), let the process exit. The loop thread
// ends by itself once the kernel closes the connection.
napi_value Stop(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  void* p = nullptr;
  if (argc < 1 || !NAPI_OK(napi_get_value_external(env, argv[0], &p)) || !p) {
    napi_throw_type_error(env, nullptr, "stop(handle)");
    return nullptr;
  }
  Mount* m = static_cast<Mount*>(p);
  if (!m->stopped) {
    m->stopped = true;
    fuse_exit(m->fuse);
    napi_unref_threadsafe_function(env, m->tsfn);
  }
  return nullptr;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"mount", nullptr, MountFs, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"reply", nullptr, Reply, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"stop", nullptr, Stop, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
