//! Live clusters: per-zoom grids of cell aggregates (count, centroid and id sum per status class),
//! kept exact under insert, move, re-status and remove. A change touches one cell per zoom level, so
//! a new case costs O(levels), never a re-cluster (the gap supercluster#19 leaves open).
//!
//! Cells nest: the key of a cell at zoom `z` is the finest key shifted right by
//! `max_cluster_zoom - z`, so every level agrees with the finest by construction, and a bulk load
//! builds the finest level once and folds it upwards. Centroid sums are integers (centimetres), so
//! removing a point subtracts exactly what adding it added: no floating drift after millions of
//! updates.
//!
//! Many cells hold one point (at 1 M cases 119,000 of 400,000; 79,000 of the 48,000 cameras'
//! 114,000), so a cell is stored as [`Stored`]: one member inline in 16 bytes, or the aggregate of
//! several boxed. The form is canonical (a cell is inline exactly when it holds one member whose
//! position fits), so two grids of the same points compare equal however they were built.

use std::collections::hash_map::{Entry, OccupiedEntry};

use cityops_api::{StatusClass, StatusMix};

use super::fxhash::FxHashMap;
use super::viewport::{GROUPS, IndexConfig, SLOTS, group, status_slot};

/// Aggregate of the points in one cell: members per status class (slots: open, overdue, closed,
/// due soon), and centroid and id sums per position group (open and due soon share one).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Cell {
    /// Members per status.
    pub(crate) n: [u32; SLOTS],
    /// Sum of member x, centimetres.
    pub(crate) sx: [i64; GROUPS],
    /// Sum of member y, centimetres.
    pub(crate) sy: [i64; GROUPS],
    /// Wrapping sum of member ids: the id itself when the cell holds one member.
    pub(crate) sid: [u64; GROUPS],
}

impl Cell {
    pub(crate) fn add(&mut self, q: [i64; 2], id: u64, slot: usize) {
        self.n[slot] += 1;
        let g = group(slot);
        self.sx[g] += q[0];
        self.sy[g] += q[1];
        self.sid[g] = self.sid[g].wrapping_add(id);
    }

    fn sub(&mut self, q: [i64; 2], id: u64, slot: usize) {
        debug_assert!(self.n[slot] > 0, "removing from an empty cell slot");
        self.n[slot] = self.n[slot].saturating_sub(1);
        let g = group(slot);
        self.sx[g] -= q[0];
        self.sy[g] -= q[1];
        self.sid[g] = self.sid[g].wrapping_sub(id);
    }

    fn merge(&mut self, o: &Cell) {
        for s in 0..SLOTS {
            self.n[s] += o.n[s];
        }
        for g in 0..GROUPS {
            self.sx[g] += o.sx[g];
            self.sy[g] += o.sy[g];
            self.sid[g] = self.sid[g].wrapping_add(o.sid[g]);
        }
    }

    fn is_empty(&self) -> bool {
        self.n == [0; SLOTS]
    }

    /// Members of every status.
    pub(crate) fn members(&self) -> u32 {
        self.n.iter().sum()
    }

    /// The cell of one member.
    fn one(q: [i64; 2], id: u64, slot: usize) -> Self {
        let mut cell = Cell::default();
        cell.add(q, id, slot);
        cell
    }

    /// Members, centroid sums and id sum over the position groups the mask keeps.
    pub(crate) fn filtered(&self, mask: [bool; GROUPS]) -> (u32, i64, i64, u64) {
        let mut acc = (0u32, 0i64, 0i64, 0u64);
        for s in (0..SLOTS).filter(|&s| mask[group(s)]) {
            acc.0 += self.n[s];
        }
        for g in (0..GROUPS).filter(|&g| mask[g]) {
            acc.1 += self.sx[g];
            acc.2 += self.sy[g];
            acc.3 = acc.3.wrapping_add(self.sid[g]);
        }
        acc
    }

    /// Status mix over the groups the mask keeps.
    pub(crate) fn mix(&self, mask: [bool; GROUPS]) -> StatusMix {
        let pick = |s: usize| if mask[group(s)] { self.n[s] } else { 0 };
        StatusMix { open: pick(0), overdue: pick(1), closed: pick(2), due_soon: pick(3) }
    }
}

/// A cell as a level stores it: one member inline, or the aggregate of several.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Stored {
    /// A cell of one member: its position (centimetres), and its id and status slot as
    /// `id << 2 | slot`.
    One { x: i32, y: i32, id_slot: u32 },
    /// A cell of several members, or of one that does not fit the inline form: a position more
    /// than 21,000 km from the projection's origin or an id of 2^30 or more.
    Many(Box<Cell>),
}

impl Stored {
    /// The canonical form of a cell; `None` for an empty one.
    fn of(cell: Cell) -> Option<Stored> {
        if cell.is_empty() {
            return None;
        }
        Some(Stored::single(&cell).unwrap_or_else(|| Stored::Many(Box::new(cell))))
    }

    /// The inline form of a cell of one member, if it has one: every other sum must be zero, so
    /// nothing is lost.
    fn single(cell: &Cell) -> Option<Stored> {
        if cell.members() != 1 {
            return None;
        }
        let slot = cell.n.iter().position(|&n| n == 1)?;
        let g = group(slot);
        let rest_zero =
            (0..GROUPS).filter(|&o| o != g).all(|o| cell.sx[o] == 0 && cell.sy[o] == 0 && cell.sid[o] == 0);
        if !rest_zero {
            return None;
        }
        let id = u32::try_from(cell.sid[g]).ok().filter(|&id| id < 1 << 30)?;
        Some(Stored::One {
            x: i32::try_from(cell.sx[g]).ok()?,
            y: i32::try_from(cell.sy[g]).ok()?,
            id_slot: id << 2 | slot as u32,
        })
    }

    /// The aggregate.
    fn cell(&self) -> Cell {
        match self {
            Stored::One { x, y, id_slot } => {
                Cell::one([i64::from(*x), i64::from(*y)], u64::from(id_slot >> 2), (id_slot & 3) as usize)
            }
            Stored::Many(cell) => **cell,
        }
    }
}

/// Applies `change` to the cell at `key` (an empty one if there is none) and stores the result in
/// its canonical form, removing the cell when it is left empty.
fn update(level: &mut FxHashMap<(i32, i32), Stored>, key: (i32, i32), change: impl FnOnce(&mut Cell)) {
    match level.entry(key) {
        Entry::Occupied(e) => change_stored(e, change),
        Entry::Vacant(v) => {
            let mut cell = Cell::default();
            change(&mut cell);
            if let Some(stored) = Stored::of(cell) {
                v.insert(stored);
            }
        }
    }
}

/// Applies `change` to the cell at `key` if there is one (a point leaving it), as [`update`] does.
fn update_existing(
    level: &mut FxHashMap<(i32, i32), Stored>,
    key: (i32, i32),
    change: impl FnOnce(&mut Cell),
) {
    if let Entry::Occupied(e) = level.entry(key) {
        change_stored(e, change);
    }
}

/// Applies `change` to a stored cell and keeps its canonical form; a cell of several members that
/// keeps several changes in place.
fn change_stored(mut e: OccupiedEntry<'_, (i32, i32), Stored>, change: impl FnOnce(&mut Cell)) {
    let next = match e.get_mut() {
        Stored::Many(cell) => {
            change(cell);
            if cell.members() > 1 {
                return;
            }
            Stored::of(**cell)
        }
        one => {
            let mut cell = one.cell();
            change(&mut cell);
            Stored::of(cell)
        }
    };
    match next {
        Some(stored) => *e.get_mut() = stored,
        None => {
            e.remove();
        }
    }
}

/// Quantise a local coordinate to centimetres.
pub(crate) fn quantise(v: f64) -> i64 {
    (v * 100.0).round() as i64
}

/// Multi-level cluster grid of one point layer.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterGrid {
    finest_m: f64,
    max_zoom: u8,
    /// `levels[z]`: cells at zoom `z`.
    levels: Vec<FxHashMap<(i32, i32), Stored>>,
}

impl ClusterGrid {
    /// An empty grid for the configuration (assumed validated).
    pub(crate) fn new(config: &IndexConfig) -> Self {
        let max_zoom = config.max_cluster_zoom;
        ClusterGrid {
            finest_m: config.cell_m(max_zoom),
            max_zoom,
            levels: (0..=max_zoom).map(|_| FxHashMap::default()).collect(),
        }
    }

    /// Builds the grid from its finest cells (each key once), folding every coarser level from
    /// the one below.
    pub(crate) fn from_finest(config: &IndexConfig, finest: Vec<((i32, i32), Cell)>) -> Self {
        let mut grid = ClusterGrid::new(config);
        let top = usize::from(grid.max_zoom);
        // Each level is folded from the aggregates of the one below, which are then stored.
        let mut below: FxHashMap<(i32, i32), Cell> = FxHashMap::default();
        below.reserve(finest.len());
        below.extend(finest);
        for z in (0..top).rev() {
            let mut level: FxHashMap<(i32, i32), Cell> = FxHashMap::default();
            level.reserve(below.len() / 2);
            for (&(kx, ky), cell) in &below {
                level.entry((kx >> 1, ky >> 1)).or_default().merge(cell);
            }
            grid.levels[z + 1] = stored(below);
            below = level;
        }
        grid.levels[0] = stored(below);
        grid
    }

    /// Side of a finest cell, metres.
    pub(crate) fn finest_m(&self) -> f64 {
        self.finest_m
    }

    /// The cell at `zoom` with this key.
    pub(crate) fn cell(&self, zoom: u8, key: (i32, i32)) -> Option<Cell> {
        self.levels.get(usize::from(zoom))?.get(&key).map(Stored::cell)
    }

    /// The cells at `zoom`.
    pub(crate) fn cells_at(&self, zoom: u8) -> impl Iterator<Item = ((i32, i32), Cell)> + '_ {
        self.levels.get(usize::from(zoom)).into_iter().flatten().map(|(&key, cell)| (key, cell.cell()))
    }

    /// Finest cell key of a local point.
    pub(crate) fn finest_key(&self, xy: [f64; 2]) -> (i32, i32) {
        ((xy[0] / self.finest_m).floor() as i32, (xy[1] / self.finest_m).floor() as i32)
    }

    /// Cell key range `(kx0, ky0, kx1, ky1)` at `zoom` covering the local rectangle.
    pub(crate) fn key_range(&self, zoom: u8, lo: [f64; 2], hi: [f64; 2]) -> (i32, i32, i32, i32) {
        let shift = self.max_zoom.saturating_sub(zoom);
        let (ax, ay) = self.finest_key(lo);
        let (bx, by) = self.finest_key(hi);
        (ax >> shift, ay >> shift, bx >> shift, by >> shift)
    }

    /// Adds a point to every level.
    pub(crate) fn add(&mut self, xy: [f64; 2], id: u64, status: StatusClass) {
        let (kx, ky) = self.finest_key(xy);
        let q = [quantise(xy[0]), quantise(xy[1])];
        let slot = status_slot(status);
        let top = usize::from(self.max_zoom);
        for (z, level) in self.levels.iter_mut().enumerate() {
            let shift = top - z;
            update(level, (kx >> shift, ky >> shift), |cell| cell.add(q, id, slot));
        }
    }

    /// Removes a point (that was added with the same arguments) from every level.
    pub(crate) fn remove(&mut self, xy: [f64; 2], id: u64, status: StatusClass) {
        let (kx, ky) = self.finest_key(xy);
        let q = [quantise(xy[0]), quantise(xy[1])];
        let slot = status_slot(status);
        let top = usize::from(self.max_zoom);
        for (z, level) in self.levels.iter_mut().enumerate() {
            let shift = top - z;
            let key = (kx >> shift, ky >> shift);
            update_existing(level, key, |cell| cell.sub(q, id, slot));
        }
    }

    /// Moves a point (and possibly changes its status). Levels where the old and new positions
    /// share a cell are updated in place with one lookup; for a truck's few-metre step that is
    /// every level but the finest few.
    pub(crate) fn relocate(&mut self, from: ([f64; 2], StatusClass), to: ([f64; 2], StatusClass), id: u64) {
        let (ka, kb) = (self.finest_key(from.0), self.finest_key(to.0));
        let qa = [quantise(from.0[0]), quantise(from.0[1])];
        let qb = [quantise(to.0[0]), quantise(to.0[1])];
        let (sa, sb) = (status_slot(from.1), status_slot(to.1));
        let top = usize::from(self.max_zoom);
        for (z, level) in self.levels.iter_mut().enumerate() {
            let shift = top - z;
            let a = (ka.0 >> shift, ka.1 >> shift);
            let b = (kb.0 >> shift, kb.1 >> shift);
            if a == b {
                update(level, a, |cell| {
                    cell.sub(qa, id, sa);
                    cell.add(qb, id, sb);
                });
            } else {
                update_existing(level, a, |cell| cell.sub(qa, id, sa));
                update(level, b, |cell| cell.add(qb, id, sb));
            }
        }
    }

    /// Changes a point's status class in place (its cells stay the same).
    pub(crate) fn restatus(&mut self, xy: [f64; 2], id: u64, from: StatusClass, to: StatusClass) {
        if from == to {
            return;
        }
        let (kx, ky) = self.finest_key(xy);
        let q = [quantise(xy[0]), quantise(xy[1])];
        let top = usize::from(self.max_zoom);
        for (z, level) in self.levels.iter_mut().enumerate() {
            let shift = top - z;
            update(level, (kx >> shift, ky >> shift), |cell| {
                cell.sub(q, id, status_slot(from));
                cell.add(q, id, status_slot(to));
            });
        }
    }

    /// Visits the non-empty cells at `zoom` whose keys lie in the inclusive range. Probes key by
    /// key when the range is smaller than the level, scans the level otherwise, so the cost is
    /// bounded by both.
    pub(crate) fn for_cells_in(
        &self,
        zoom: u8,
        (kx0, ky0, kx1, ky1): (i32, i32, i32, i32),
        mut visit: impl FnMut((i32, i32), Cell),
    ) {
        let Some(level) = self.levels.get(usize::from(zoom)) else { return };
        visit_range(level, (kx0, ky0, kx1, ky1), |key, cell| visit(key, cell.cell()));
    }

    /// The finest clustered zoom.
    pub fn max_zoom(&self) -> u8 {
        self.max_zoom
    }

    /// Number of non-empty cells at `zoom` (0 above the finest zoom).
    pub fn cell_count(&self, zoom: u8) -> usize {
        self.levels.get(usize::from(zoom)).map_or(0, |l| l.len())
    }

    /// Number of cells at `zoom` holding a single point (stored inline).
    pub fn single_cell_count(&self, zoom: u8) -> usize {
        self.levels
            .get(usize::from(zoom))
            .map_or(0, |l| l.values().filter(|c| matches!(c, Stored::One { .. })).count())
    }

    /// Status mix of all points, summed over the cells of `zoom`: every level must agree with the
    /// layer's own counts.
    pub fn totals(&self, zoom: u8) -> StatusMix {
        let mut mix = StatusMix::default();
        if let Some(level) = self.levels.get(usize::from(zoom)) {
            for cell in level.values().map(Stored::cell) {
                mix.open += cell.n[0];
                mix.overdue += cell.n[1];
                mix.closed += cell.n[2];
                mix.due_soon += cell.n[3];
            }
        }
        mix
    }
}

/// The stored form of a level of aggregates. The cells are boxed in key order, the order in which
/// a viewport visits them, so that neighbouring cells' aggregates lie side by side in memory.
fn stored(level: FxHashMap<(i32, i32), Cell>) -> FxHashMap<(i32, i32), Stored> {
    let mut cells: Vec<((i32, i32), Cell)> = level.into_iter().collect();
    cells.sort_unstable_by_key(|&(key, _)| key);
    let mut out = FxHashMap::default();
    out.reserve(cells.len());
    out.extend(cells.into_iter().filter_map(|(key, cell)| Some((key, Stored::of(cell)?))));
    out
}

/// Visits the entries of a cell-keyed map whose keys lie in the inclusive range `(kx0, ky0, kx1,
/// ky1)`. Probes key by key when the range is smaller than the map, scans the map otherwise, so
/// the cost is bounded by both. Keys come in increasing order either way.
pub(crate) fn visit_range<'a, V>(
    level: &'a FxHashMap<(i32, i32), V>,
    (kx0, ky0, kx1, ky1): (i32, i32, i32, i32),
    mut visit: impl FnMut((i32, i32), &'a V),
) {
    let span = (i64::from(kx1) - i64::from(kx0) + 1) * (i64::from(ky1) - i64::from(ky0) + 1);
    if span <= 0 {
        return;
    }
    if span as u64 <= level.len() as u64 {
        for kx in kx0..=kx1 {
            for ky in ky0..=ky1 {
                if let Some(v) = level.get(&(kx, ky)) {
                    visit((kx, ky), v);
                }
            }
        }
    } else {
        let mut keys: Vec<(i32, i32)> = level
            .keys()
            .copied()
            .filter(|&(kx, ky)| kx >= kx0 && kx <= kx1 && ky >= ky0 && ky <= ky1)
            .collect();
        // A stable order, the same as the probing branch, for reproducible answers.
        keys.sort_unstable();
        for key in keys {
            if let Some(v) = level.get(&key) {
                visit(key, v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_of_one_member_is_stored_inline_in_16_bytes() {
        assert_eq!(std::mem::size_of::<Stored>(), 16);
    }

    #[test]
    fn a_member_that_does_not_fit_inline_keeps_its_cell_exact() {
        let config = IndexConfig::default();
        let xy = [1_000.0, 2_000.0];
        for id in [(1 << 30) - 1, 1 << 30, u64::MAX] {
            let mut grid = ClusterGrid::new(&config);
            grid.add(xy, id, StatusClass::DueSoon);
            let inline = (0..=config.max_cluster_zoom).map(|z| grid.single_cell_count(z)).sum::<usize>();
            assert_eq!(inline, if id < 1 << 30 { usize::from(config.max_cluster_zoom) + 1 } else { 0 });
            let cell = grid.cell(3, key_at(&grid, 3, xy)).expect("the member's cell");
            assert_eq!(cell.filtered([true; GROUPS]), (1, quantise(xy[0]), quantise(xy[1]), id));
            assert_eq!(cell.mix([true; GROUPS]).due_soon, 1);
        }
    }

    #[test]
    fn cells_keep_one_canonical_form_through_changes() {
        let config = IndexConfig::default();
        let (a, b) = ([1_000.0, 2_000.0], [1_010.0, 2_005.0]);
        let mut grid = ClusterGrid::new(&config);
        grid.add(a, 7, StatusClass::Open);
        assert!(grid.levels.iter().all(|l| l.values().all(|c| matches!(c, Stored::One { .. }))));
        grid.add(b, 9, StatusClass::Overdue);
        // The two share every coarse cell: those hold several members, boxed.
        assert!(matches!(grid.levels[0].values().next(), Some(Stored::Many(_))));
        assert_eq!(grid.cell(0, key_at(&grid, 0, a)).map(|c| c.filtered([true; GROUPS]).0), Some(2));
        grid.restatus(b, 9, StatusClass::Overdue, StatusClass::Closed);
        grid.relocate((b, StatusClass::Closed), ([1_012.0, 2_004.0], StatusClass::Closed), 9);
        grid.remove([1_012.0, 2_004.0], 9, StatusClass::Closed);
        // Back to the one member: inline again, equal to a grid that only ever held it.
        let mut alone = ClusterGrid::new(&config);
        alone.add(a, 7, StatusClass::Open);
        assert_eq!(grid, alone);
        let cell = grid.cell(0, key_at(&grid, 0, a)).expect("the member's cell");
        assert_eq!(cell.filtered([true; GROUPS]), (1, quantise(a[0]), quantise(a[1]), 7));
        grid.remove(a, 7, StatusClass::Open);
        assert!(grid.levels.iter().all(|l| l.is_empty()));
    }

    fn key_at(grid: &ClusterGrid, zoom: u8, xy: [f64; 2]) -> (i32, i32) {
        let (kx, ky, _, _) = grid.key_range(zoom, xy, xy);
        (kx, ky)
    }
}
