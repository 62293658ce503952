//! Lexicon curation aids for ticai: pure functions over in-memory,
//! already normalized texts (no IO), whose results a curator reviews.
//!
//! * [`suggest`]: candidate aliases for a theme, the words and n-grams
//!   that co-occur with the theme's mentions far more than chance
//!   (Dunning's log-likelihood ratio over sentences), with counts and
//!   example sentences.
//! * [`discover`]: emerging terms that are in no lexicon, new words found
//!   without a dictionary (cohesion and branching entropy, after
//!   Matrix67's new-word discovery), ranked by their rise against a
//!   baseline window, with counts per day, companies and examples.

mod discover;
mod stats;
mod suggest;
mod text;

pub use discover::{DatedDoc, DiscoverOptions, Emerging, discover};
pub use suggest::{STOPWORDS, SuggestDoc, SuggestOptions, Suggestion, suggest};
