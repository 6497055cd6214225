//! The console's state logic, free of web APIs and host-testable (`cargo test -p cityops-ui`),
//! by concern:
//!
//! - [`picture`]: the live picture and how each live event changes it; layers and freshness;
//! - [`query`]: the typed viewport and case-list queries; the page's own URL;
//! - [`search`]: what the search box understands; places of the base map;
//! - [`items`]: what is under the cursor (hit testing, item lines, feature cards);
//! - [`clock`]: time as shown (the service's clock, time left) and the connection state.
//! - [`period`]: the evaluation periods (today, week, month, custom) and the one before each.
//! - [`wall`]: the command hall wall's scenes and rotation.
//!
//! Every function takes "now" as an argument, so the tests fix time.

pub mod clock;
pub mod items;
pub mod period;
pub mod picture;
pub mod query;
pub mod replay;
pub mod search;
#[cfg(test)]
pub mod test_support;
pub mod wall;

pub use clock::*;
pub use items::*;
pub use period::*;
pub use picture::*;
pub use query::*;
pub use replay::*;
pub use search::*;
pub use wall::*;
