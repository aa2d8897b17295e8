//! Sparse matrices in compressed-row form: the weights of a Linear node (a dense Gemm, a
//! convolution, a pooling, or a composition of them), float in the IR and integer once quantised.
//! A convolution's matrix has one row per output position and only its kernel's entries in it,
//! so storing, quantising, committing and proving it costs the non-zero entries, never
//! `rows x cols`.

use std::fmt;

/// A `rows x cols` matrix holding only its listed entries (`start[r]..start[r + 1]` index row
/// `r`'s entries in `col` and `val`, columns strictly increasing within a row).
///
/// `public` marks weights the lowering chose rather than the model: selections, transposes,
/// sums, means, masks, pooling windows and max tournaments. The verifying key publishes those in
/// clear and the verifier evaluates their combination itself (`docs/protocols/blocks/matmul.md`,
/// "Public weights"); every other matrix is the model's and stays hidden.
#[derive(Clone, PartialEq, Eq)]
pub struct Sparse<T> {
    rows: usize,
    cols: usize,
    start: Vec<usize>,
    col: Vec<u32>,
    val: Vec<T>,
    public: bool,
}

/// The float weights of the IR.
pub type Matrix = Sparse<f32>;

impl<T: Copy> Sparse<T> {
    /// A matrix from its rows, each a list of `(column, value)` in increasing column order;
    /// `None` when a column is out of range or repeated, or `cols` does not fit a `u32`.
    pub fn from_rows(cols: usize, rows: impl IntoIterator<Item = Vec<(usize, T)>>) -> Option<Self> {
        u32::try_from(cols).ok()?;
        let mut m = Sparse { rows: 0, cols, start: vec![0], col: Vec::new(), val: Vec::new(), public: false };
        for row in rows {
            let mut last = None;
            for (c, v) in row {
                if c >= cols || last.is_some_and(|l| l >= c) {
                    return None;
                }
                last = Some(c);
                m.col.push(c as u32);
                m.val.push(v);
            }
            m.start.push(m.col.len());
            m.rows += 1;
        }
        Some(m)
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The same matrix marked as structural: its weights are published (see [`Sparse`]).
    pub fn into_public(mut self) -> Self {
        self.public = true;
        self
    }

    /// The same matrix marked as the model's: its weights stay hidden (a structural matrix
    /// scaled by a model constant).
    pub fn into_hidden(mut self) -> Self {
        self.public = false;
        self
    }

    /// Whether the weights are structural and published (see [`Sparse`]).
    pub fn is_public(&self) -> bool {
        self.public
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.val.len()
    }

    /// Row `r`'s columns and values (panics when `r >= rows`).
    pub fn row(&self, r: usize) -> (&[u32], &[T]) {
        let (a, b) = (self.start[r], self.start[r + 1]);
        (&self.col[a..b], &self.val[a..b])
    }

    /// Row `r` as `(column, value)` pairs.
    pub fn entries(&self, r: usize) -> impl Iterator<Item = (usize, T)> + '_ {
        let (c, v) = self.row(r);
        c.iter().map(|&c| c as usize).zip(v.iter().copied())
    }

    /// Row `r`'s values, to change in place (panics when `r >= rows`).
    pub fn row_values_mut(&mut self, r: usize) -> &mut [T] {
        let (a, b) = (self.start[r], self.start[r + 1]);
        &mut self.val[a..b]
    }

    /// Every stored value, row by row.
    pub fn values(&self) -> &[T] {
        &self.val
    }

    pub fn values_mut(&mut self) -> &mut [T] {
        &mut self.val
    }

    /// The same entries with every value mapped (the first error stops).
    pub fn try_map<U, E>(&self, f: impl FnMut(T) -> Result<U, E>) -> Result<Sparse<U>, E> {
        Ok(Sparse {
            rows: self.rows,
            cols: self.cols,
            start: self.start.clone(),
            col: self.col.clone(),
            val: self.val.iter().copied().map(f).collect::<Result<_, _>>()?,
            public: self.public,
        })
    }

    /// The `batch`-fold block-diagonal repetition: block `k` maps columns `k cols .. (k + 1) cols`
    /// to rows `k rows .. (k + 1) rows`.
    pub fn block_diagonal(&self, batch: usize) -> Self {
        let rows = (0..batch)
            .flat_map(|k| (0..self.rows).map(move |r| (k, r)))
            .map(|(k, r)| self.entries(r).map(|(c, v)| (k * self.cols + c, v)).collect());
        let m = Sparse::from_rows(batch * self.cols, rows).expect("columns stay in range and increasing");
        Sparse { public: self.public, ..m }
    }

    /// The transpose (`cols x rows`); `None` when `rows` does not fit a `u32`.
    pub fn transpose(&self) -> Option<Self> {
        let mut rows: Vec<Vec<(usize, T)>> = vec![Vec::new(); self.cols];
        for r in 0..self.rows {
            for (c, v) in self.entries(r) {
                rows[c].push((r, v));
            }
        }
        Sparse::from_rows(self.rows, rows).map(|m| Sparse { public: self.public, ..m })
    }
}

impl<T: Copy + Default + PartialEq> Sparse<T> {
    /// A matrix from its row-major dense entries, keeping the non-zero ones; `None` when
    /// `data.len() != rows * cols`.
    pub fn new(rows: usize, cols: usize, data: Vec<T>) -> Option<Self> {
        if rows.checked_mul(cols) != Some(data.len()) || (rows > 0 && cols == 0 && !data.is_empty()) {
            return None;
        }
        let zero = T::default();
        let dense_rows = (0..rows).map(|r| {
            data[r * cols..(r + 1) * cols]
                .iter()
                .enumerate()
                .filter(|(_, &v)| v != zero)
                .map(|(c, &v)| (c, v))
                .collect()
        });
        Sparse::from_rows(cols, dense_rows)
    }

    /// Entry `(r, c)` (zero when not stored; panics when `r >= rows`).
    pub fn get(&self, r: usize, c: usize) -> T {
        let (cols, vals) = self.row(r);
        cols.binary_search(&(c as u32)).map_or(T::default(), |k| vals[k])
    }
}

impl<T> fmt::Debug for Sparse<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Matrix({}x{}, {} entries)", self.rows, self.cols, self.val.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_round_trip_and_rows() {
        let m = Sparse::new(2, 3, vec![0.0f32, 1.5, 0.0, -2.0, 0.0, 3.0]).unwrap();
        assert_eq!(m.nnz(), 3);
        assert_eq!(m.row(1), (&[0u32, 2][..], &[-2.0f32, 3.0][..]));
        assert_eq!(m.get(0, 1), 1.5);
        assert_eq!(m.get(0, 0), 0.0);
        assert!(Sparse::new(2, 3, vec![0.0f32; 5]).is_none());
        let t = m.transpose().unwrap();
        assert_eq!((t.rows(), t.cols()), (3, 2));
        for (r, c) in (0..2).flat_map(|r| (0..3).map(move |c| (r, c))) {
            assert_eq!(t.get(c, r), m.get(r, c));
        }
    }

    #[test]
    fn from_rows_rejects_bad_columns() {
        assert!(Sparse::from_rows(3, [vec![(0, 1i64), (3, 2)]]).is_none());
        assert!(Sparse::from_rows(3, [vec![(1, 1i64), (1, 2)]]).is_none());
        assert!(Sparse::from_rows(3, [vec![(2, 1i64), (0, 2)]]).is_none());
    }

    #[test]
    fn block_diagonal_repeats_the_blocks() {
        let m = Sparse::new(1, 2, vec![1i64, 2]).unwrap();
        let b = m.block_diagonal(2);
        assert_eq!((b.rows(), b.cols()), (2, 4));
        assert_eq!(b.entries(1).collect::<Vec<_>>(), vec![(2, 1), (3, 2)]);
    }
}
