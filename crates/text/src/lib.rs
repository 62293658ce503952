//! Text stages of ticai: normalization and segmentation.
//!
//! * [`Normalizer`] turns original text into the form every lexicon term is
//!   compiled to: traditional script converted to simplified (OpenCC `t2s`),
//!   full-width ASCII folded to half-width, invisible characters removed. It
//!   returns a [`Normalized`] text with an [`OffsetMap`] back to the original.
//! * [`Segmenter`] wraps jieba with lexicon words injected, so that theme and
//!   company names come out whole.
//!
//! Both are pure (no IO after construction) and `Sync`: share one instance
//! between threads.

mod normalize;
mod segment;
mod vocab;

pub use normalize::{Normalized, Normalizer, OffsetMap};
pub use segment::{CUT_PIECE, Cuts, Segmenter, is_block_char};
pub use ticai_model::Region;
pub use vocab::VocabEntry;

/// Errors building the text stages.
#[derive(Debug, thiserror::Error)]
pub enum TextError {
    #[error("cannot load the OpenCC t2s conversion: {0}")]
    OpenCc(String),
}
