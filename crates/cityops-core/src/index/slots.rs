//! Per-feature storage of a point layer, sized for a year of cases: a dense table indexed by the
//! feature id itself (case ids and interned vehicle / alert ids are dense), with a hash map only
//! for the rare id far beyond the table. A stored feature is 32 bytes and needs no id map.
//!
//! Features are named inside the layer by a 32-bit *handle*: the id itself for the dense table,
//! or [`SPARSE`] plus an index into the sparse table. Handles change only when a sparse feature
//! moves into a grown dense table ([`Slots::alloc`] reports those moves to the caller).

use cityops_api::StatusClass;

use super::fxhash::FxHashMap;

/// Handle bit of features in the sparse table.
pub(crate) const SPARSE: u32 = 1 << 31;
/// Ids at or above this always go to the sparse table.
const DENSE_MAX: u64 = (SPARSE - 1) as u64;
/// State byte of an empty slot (states 0–2 are status slots: open, overdue, closed).
const EMPTY: u8 = u8::MAX;

/// One stored feature (the id is its index, or kept beside it in the sparse table).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Slot {
    pub(crate) lon: f64,
    pub(crate) lat: f64,
    pub(crate) time: i64,
    pub(crate) tag: u32,
    /// Status slot (see [`super::viewport::status_slot`]), or [`EMPTY`].
    pub(crate) state: u8,
}

impl Slot {
    const EMPTY: Slot = Slot { lon: 0.0, lat: 0.0, time: 0, tag: 0, state: EMPTY };

    pub(crate) fn status(&self) -> StatusClass {
        super::viewport::slot_status(usize::from(self.state))
    }

    fn is_empty(&self) -> bool {
        self.state == EMPTY
    }
}

/// A sparse feature moved into the dense table: its old and new handle.
pub(crate) type Moved = (u32, u32);

/// The dense and sparse tables.
#[derive(Debug, Clone, Default)]
pub(crate) struct Slots {
    dense: Vec<Slot>,
    sparse_ids: FxHashMap<u64, u32>,
    sparse: Vec<(u64, Slot)>,
    sparse_free: Vec<u32>,
    len: usize,
}

impl Slots {
    /// Whether `id` belongs in a dense table of `dense_len` slots holding `len` features: dense
    /// ids may run ahead of the count by a factor of two (holes left by removals cost 32 bytes).
    fn dense_ok(id: u64, dense_len: usize, len: usize) -> bool {
        id < DENSE_MAX && (id < dense_len as u64 || id <= 2 * len as u64 + 4096)
    }

    /// Empty tables with room for the dense ids among `ids` (bulk load); the caller then
    /// [`Slots::alloc`]s each feature.
    pub(crate) fn for_ids(ids: impl Iterator<Item = u64>, n: usize) -> Slots {
        let top = ids.filter(|&id| Self::dense_ok(id, 0, n)).max().map_or(0, |m| m as usize + 1);
        let mut dense = Vec::new();
        dense.reserve_exact(top);
        dense.resize(top, Slot::EMPTY);
        Slots { dense, ..Slots::default() }
    }

    /// Number of features.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The handle of a stored id.
    pub(crate) fn handle(&self, id: u64) -> Option<u32> {
        match usize::try_from(id).ok().and_then(|i| self.dense.get(i)) {
            Some(s) if !s.is_empty() => Some(id as u32),
            Some(_) => None,
            None => self.sparse_ids.get(&id).map(|&i| i | SPARSE),
        }
    }

    /// The slot behind a live handle.
    pub(crate) fn get(&self, h: u32) -> &Slot {
        if h & SPARSE == 0 { &self.dense[h as usize] } else { &self.sparse[(h & !SPARSE) as usize].1 }
    }

    /// The slot behind a live handle, for changes.
    pub(crate) fn get_mut(&mut self, h: u32) -> &mut Slot {
        if h & SPARSE == 0 { &mut self.dense[h as usize] } else { &mut self.sparse[(h & !SPARSE) as usize].1 }
    }

    /// The id behind a live handle.
    pub(crate) fn id(&self, h: u32) -> u64 {
        if h & SPARSE == 0 { u64::from(h) } else { self.sparse[(h & !SPARSE) as usize].0 }
    }

    /// Stores a new feature (the id must not be stored); returns its handle and the sparse
    /// features that moved into the dense table because it grew.
    pub(crate) fn alloc(&mut self, id: u64, slot: Slot) -> (u32, Vec<Moved>) {
        debug_assert!(slot.state != EMPTY);
        self.len += 1;
        let mut moved = Vec::new();
        if Self::dense_ok(id, self.dense.len(), self.len) {
            let at = id as usize;
            if at >= self.dense.len() {
                let need = at + 1 - self.dense.len();
                if self.dense.capacity() < at + 1 {
                    // Grow by 1/32, not double: the table is the layer's largest allocation (a
                    // year of cases: 320 MB), and large reallocations remap pages, not copy them.
                    self.dense.reserve_exact(need.max(self.dense.capacity() / 32 + 4096));
                }
                let old_len = self.dense.len();
                self.dense.resize(at + 1, Slot::EMPTY);
                if !self.sparse_ids.is_empty() {
                    let ids: Vec<u64> = self
                        .sparse_ids
                        .keys()
                        .copied()
                        .filter(|&s| s >= old_len as u64 && s < self.dense.len() as u64)
                        .collect();
                    for s in ids {
                        if let Some(i) = self.sparse_ids.remove(&s) {
                            self.dense[s as usize] = self.sparse[i as usize].1;
                            self.sparse[i as usize].1 = Slot::EMPTY;
                            self.sparse_free.push(i);
                            moved.push((i | SPARSE, s as u32));
                        }
                    }
                }
            }
            self.dense[at] = slot;
            (id as u32, moved)
        } else {
            let i = match self.sparse_free.pop() {
                Some(i) => {
                    self.sparse[i as usize] = (id, slot);
                    i
                }
                None => {
                    self.sparse.push((id, slot));
                    (self.sparse.len() - 1) as u32
                }
            };
            self.sparse_ids.insert(id, i);
            (i | SPARSE, moved)
        }
    }

    /// Frees a live handle; returns what it held.
    pub(crate) fn free(&mut self, h: u32) -> Slot {
        self.len -= 1;
        if h & SPARSE == 0 {
            std::mem::replace(&mut self.dense[h as usize], Slot::EMPTY)
        } else {
            let i = h & !SPARSE;
            let (id, slot) = std::mem::replace(&mut self.sparse[i as usize], (0, Slot::EMPTY));
            self.sparse_ids.remove(&id);
            self.sparse_free.push(i);
            slot
        }
    }

    /// All live features: `(id, slot)`, dense ids in order, then the sparse ones.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u64, &Slot)> + '_ {
        let dense = self.dense.iter().enumerate().filter(|(_, s)| !s.is_empty()).map(|(i, s)| (i as u64, s));
        let sparse = self.sparse.iter().filter(|(_, s)| !s.is_empty()).map(|(id, s)| (*id, s));
        dense.chain(sparse)
    }
}
