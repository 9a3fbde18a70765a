//! The file backend: one file per blob under the data directory, at
//! `xx/yy/<id>` (the first two pairs of hex digits fan the files out),
//! written once.
//!
//! Invariants
//! - A blob file is complete and fsynced (file and directories) before
//!   `put` returns.
//! - Files are written under a temporary name and renamed into place: a
//!   reader never sees a partial file under a blob's name.
//! - A file's modification time is when it was last put (`put` of
//!   content already stored touches it); [`BlobStore::delete`] renames
//!   the file away first and looks at that time on the renamed file, so
//!   a put that touched it before the rename keeps it (renamed back), and
//!   a put after the rename finds no file and writes it again.
//! - A file renamed away by a sweep that did not finish (`tmp/sweep-<id>-…`)
//!   is put back at start: at worst an unreferenced file is kept.

use std::fs;
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use super::{BlobFuture, BlobRef, BlobStore, check_id, id_of, unix_secs};
use crate::error::{Result, StoreError};

/// Prefix of the name a sweep gives a file it is about to delete.
pub(crate) const SWEEP_PREFIX: &str = "sweep-";

/// Bodies at most this large are read on the calling task: a few tens of
/// KB, almost always in the page cache, cost less to read than the thread
/// hand-off of `spawn_blocking`; larger ones go to the blocking pool.
const INLINE_MAX: u64 = 256 * 1024;

/// Blobs as files under a root directory; cheap to clone.
#[derive(Debug, Clone)]
pub struct FileBlobs {
    inner: Arc<Files>,
}

#[derive(Debug)]
struct Files {
    root: PathBuf,
    counter: AtomicU64,
}

impl FileBlobs {
    /// Opens the blobs under `root` (creating `root/tmp`) and puts back
    /// the files an interrupted sweep had renamed away. Blocking; call
    /// before [`super::Spool::open`] empties `tmp`.
    pub fn open(root: &Path) -> Result<FileBlobs> {
        fs::create_dir_all(root.join("tmp"))?;
        let files = Files {
            root: root.to_path_buf(),
            counter: AtomicU64::new(0),
        };
        for e in fs::read_dir(root.join("tmp"))?.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(rest) = name.strip_prefix(SWEEP_PREFIX) else {
                continue;
            };
            let id = rest.split('-').next().unwrap_or("");
            let Ok(path) = files.path_of(id) else {
                let _ = fs::remove_file(e.path());
                continue;
            };
            if path.exists() {
                let _ = fs::remove_file(e.path());
            } else {
                files.place(&e.path(), &path)?;
            }
        }
        Ok(FileBlobs {
            inner: Arc::new(files),
        })
    }

    /// The directory holding the blob files.
    pub fn root(&self) -> &Path {
        &self.inner.root
    }

    /// Where a blob's file is: for tests that damage one on purpose.
    pub fn path(&self, id: &str) -> Result<PathBuf> {
        self.inner.path_of(id)
    }

    /// Runs `f` on the blocking pool.
    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Files) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || f(&inner))
            .await
            .map_err(|e| StoreError::Invalid(e.to_string()))?
    }
}

impl BlobStore for FileBlobs {
    fn put(&self, data: Arc<Vec<u8>>) -> BlobFuture<'_, BlobRef> {
        Box::pin(self.blocking(move |f| f.put(&data)))
    }

    fn adopt<'a>(&'a self, id: &'a str, src: &'a Path) -> BlobFuture<'a, ()> {
        let (id, src) = (id.to_string(), src.to_path_buf());
        Box::pin(self.blocking(move |f| f.adopt(&id, &src)))
    }

    fn get<'a>(&'a self, id: &'a str) -> BlobFuture<'a, Vec<u8>> {
        Box::pin(async move {
            let path = self.inner.path_of(id)?;
            let file = open(id, &path)?;
            if file.metadata()?.len() <= INLINE_MAX {
                return read_all(file);
            }
            self.blocking(move |_| read_all(file)).await
        })
    }

    fn get_range<'a>(&'a self, id: &'a str, start: u64, len: u64) -> BlobFuture<'a, Vec<u8>> {
        Box::pin(async move {
            let path = self.inner.path_of(id)?;
            let file = open(id, &path)?;
            if len <= INLINE_MAX {
                return read_range(&file, start, len);
            }
            self.blocking(move |_| read_range(&file, start, len)).await
        })
    }

    fn exists<'a>(&'a self, id: &'a str) -> BlobFuture<'a, bool> {
        Box::pin(async move { Ok(self.inner.path_of(id)?.exists()) })
    }

    fn delete<'a>(&'a self, id: &'a str, put_before: i64) -> BlobFuture<'a, bool> {
        let id = id.to_string();
        Box::pin(self.blocking(move |f| f.delete(&id, put_before)))
    }

    fn list(&self) -> BlobFuture<'_, Vec<String>> {
        Box::pin(self.blocking(|f| f.list()))
    }
}

impl Files {
    fn path_of(&self, id: &str) -> Result<PathBuf> {
        check_id(id)?;
        Ok(self.root.join(&id[..2]).join(&id[2..4]).join(id))
    }

    fn tmp(&self, name: &str) -> PathBuf {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        self.root
            .join("tmp")
            .join(format!("{name}{}-{n}", std::process::id()))
    }

    fn put(&self, data: &[u8]) -> Result<BlobRef> {
        let id = id_of(data);
        let path = self.path_of(&id)?;
        if !touch(&path)? {
            self.write_file(&path, data)?;
        }
        Ok(BlobRef {
            id,
            size: data.len() as i64,
        })
    }

    /// Moves `src` into place as blob `id` unless that blob's file
    /// exists (then it is touched), durably.
    fn adopt(&self, id: &str, src: &Path) -> Result<()> {
        let path = self.path_of(id)?;
        if touch(&path)? {
            let _ = fs::remove_file(src);
            return Ok(());
        }
        let f = fs::File::open(src)?;
        f.set_modified(SystemTime::now())?;
        f.sync_all()?;
        self.place(src, &path)
    }

    /// Renames a complete, fsynced file to `path` and makes the rename
    /// durable (the directory entries, new directories included).
    fn place(&self, src: &Path, path: &Path) -> Result<()> {
        let dir = path
            .parent()
            .ok_or_else(|| StoreError::Invalid("blob path".into()))?;
        let new_dir = !dir.exists();
        if new_dir {
            fs::create_dir_all(dir)?;
        }
        fs::rename(src, path)?;
        // The rename is durable only once the directory entry is on disk.
        sync_dir(dir)?;
        if new_dir && let Some(parent) = dir.parent() {
            sync_dir(parent)?;
            if let Some(grand) = parent.parent() {
                sync_dir(grand)?;
            }
        }
        Ok(())
    }

    fn write_file(&self, path: &Path, data: &[u8]) -> Result<()> {
        let tmp = self.tmp("b");
        {
            let mut f = fs::File::create(&tmp)?;
            f.write_all(data)?;
            f.sync_all()?;
        }
        self.place(&tmp, path)
    }

    fn delete(&self, id: &str, put_before: i64) -> Result<bool> {
        let path = self.path_of(id)?;
        let trash = self.tmp(&format!("{SWEEP_PREFIX}{id}-"));
        match fs::rename(&path, &trash) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(true),
            Err(e) => return Err(e.into()),
        }
        if unix_secs(fs::metadata(&trash)?.modified()?) >= put_before {
            // Put within the grace, maybe by a delivery about to commit:
            // back in place (a put that found the name empty meanwhile
            // wrote the same bytes there; either file is the blob).
            self.place(&trash, &path)?;
            return Ok(false);
        }
        fs::remove_file(&trash)?;
        Ok(true)
    }

    fn list(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for a in fs::read_dir(&self.root)?.flatten() {
            let name = a.file_name();
            // Only the two-hex-digit fan-out directories hold blobs.
            let fan_out = name.len() == 2
                && name
                    .to_string_lossy()
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit());
            if !fan_out || !a.path().is_dir() {
                continue;
            }
            for b in fs::read_dir(a.path())?.flatten() {
                for c in fs::read_dir(b.path())?.flatten() {
                    out.push(c.file_name().to_string_lossy().into_owned());
                }
            }
        }
        Ok(out)
    }
}

/// Marks the file at `path` as put now; false when there is no file
/// there. The name is checked again after the touch: a sweep may have
/// renamed the file away since it was opened, and the touch must be on
/// the file the name holds (see the module's invariants).
fn touch(path: &Path) -> Result<bool> {
    let f = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e.into()),
    };
    f.set_modified(SystemTime::now())?;
    let opened = f.metadata()?;
    match fs::metadata(path) {
        Ok(now) => Ok(now.ino() == opened.ino() && now.dev() == opened.dev()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e.into()),
    }
}

fn open(id: &str, path: &Path) -> Result<fs::File> {
    match fs::File::open(path) {
        Ok(f) => Ok(f),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(StoreError::BlobCorrupt(id.to_string()))
        }
        Err(e) => Err(e.into()),
    }
}

fn read_all(mut file: fs::File) -> Result<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::with_capacity(file.metadata()?.len() as usize);
    file.read_to_end(&mut out)?;
    Ok(out)
}

fn read_range(file: &fs::File, start: u64, len: u64) -> Result<Vec<u8>> {
    use std::os::unix::fs::FileExt;
    let size = file.metadata()?.len();
    let n = len.min(size.saturating_sub(start)) as usize;
    let mut out = vec![0u8; n];
    let mut done = 0;
    while done < n {
        let r = file.read_at(&mut out[done..], start + done as u64)?;
        if r == 0 {
            break;
        }
        done += r;
    }
    out.truncate(done);
    Ok(out)
}

fn sync_dir(dir: &Path) -> Result<()> {
    fs::File::open(dir)?.sync_all()?;
    Ok(())
}
