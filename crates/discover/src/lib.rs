//! Lexicon curation aids for ticai: pure functions over in-memory,
//! already normalized texts (no IO), whose results a curator reviews.
//!
//! * [`suggest`]: candidate aliases for a theme, the words and n-grams
//!   that co-occur with the theme's mentions far more than chance
//!   (Dunning's log-likelihood ratio over sentences), with counts and
//!   example sentences.

mod stats;
mod suggest;
mod text;

pub use suggest::{STOPWORDS, SuggestDoc, SuggestOptions, Suggestion, suggest};
