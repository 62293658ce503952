//! Association and entropy measures.

/// `x ln x`, 0 at 0.
fn xlnx(x: f64) -> f64 {
    if x > 0.0 { x * x.ln() } else { 0.0 }
}

/// Dunning's log-likelihood ratio G² of a 2x2 contingency table
/// (`k11` both, `k12` row only, `k21` column only, `k22` neither):
/// `2 Σ O ln(O / E)`, written with entropies so that zero cells are fine.
/// Dunning, "Accurate Methods for the Statistics of Surprise and
/// Coincidence", Computational Linguistics 19(1), 1993.
pub(crate) fn llr(k11: f64, k12: f64, k21: f64, k22: f64) -> f64 {
    let n = k11 + k12 + k21 + k22;
    let cells = xlnx(k11) + xlnx(k12) + xlnx(k21) + xlnx(k22);
    let rows = xlnx(k11 + k12) + xlnx(k21 + k22);
    let cols = xlnx(k11 + k21) + xlnx(k12 + k22);
    (2.0 * (cells - rows - cols + xlnx(n))).max(0.0)
}

/// Pointwise mutual information in bits, `log2(p(a, b) / (p(a) p(b)))`,
/// from counts over `n` units; `-inf` when `both` is 0.
pub(crate) fn pmi(both: f64, a: f64, b: f64, n: f64) -> f64 {
    (both * n / (a * b)).log2()
}

/// Shannon entropy in nats of the neighbour distribution `counts`, plus
/// `edges` neighbours that are each distinct from all others (a text edge
/// or a separator).
pub(crate) fn branching_entropy(counts: impl Iterator<Item = usize>, edges: usize) -> f64 {
    let counts: Vec<usize> = counts.collect();
    let total = (counts.iter().sum::<usize>() + edges) as f64;
    if total == 0.0 {
        return 0.0;
    }
    let h = |c: usize| {
        let p = c as f64 / total;
        -p * p.ln()
    };
    counts.into_iter().map(h).sum::<f64>() + edges as f64 * h(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn llr_of_independence_is_zero() {
        assert!(llr(10.0, 10.0, 10.0, 10.0).abs() < 1e-9);
        assert!(llr(10.0, 0.0, 0.0, 10.0) > 20.0);
        // hand check: 2 * sum O ln(O/E) for [[10, 0], [0, 10]] = 4 * 10 ln 2
        assert!((llr(10.0, 0.0, 0.0, 10.0) - 40.0 * 2f64.ln()).abs() < 1e-9);
    }

    #[test]
    fn entropy_counts_edges_as_distinct() {
        assert!(branching_entropy([4].into_iter(), 0).abs() < 1e-12);
        let h = branching_entropy([].into_iter(), 4);
        assert!((h - 4f64.ln()).abs() < 1e-12);
        assert!((pmi(1.0, 1.0, 1.0, 4.0) - 2.0).abs() < 1e-12);
    }
}
