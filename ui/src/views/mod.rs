//! The console's Leptos components, one per file, each taking what it shows as props or from the
//! data contexts (`crate::data`):
//!
//! - [`app::App`]: the one screen, wiring data, drawing and timers;
//! - top: [`top_bar`], [`search_box`], [`clock_badge`];
//! - left: [`layer_panel`], [`layer_row`], [`alert_list`], [`legend`];
//! - centre: [`map_view`] (canvas and gestures), [`map_controls`] (zoom, scale bar,
//!   attribution), [`feature_card`] (selected feature or overlay);
//! - right: [`case_panel`], [`file_panel`] (a penalty file, its step and transfer dialogs), [`case_detail`], [`case_facts`], [`stage_history`],
//!   [`case_actions`], [`provisional_badge`];
//! - dialogs: [`action_dialog`], [`evaluation_panel`], [`filter_panel`] (with [`results`] and [`export_buttons`]), [`dispatch_dialog`] (with [`duplicate_list`]),
//!   [`queue_panel`] (the work queue), [`settings_dialog`], [`help_overlay`], [`toast`]; bottom:
//!   [`status_bar`];
//! - [`wall`]: the command hall's wall (scenes, KPI tiles, charts, ticker) around the same map;
//! - [`commands`]: the keyboard commands (not a component).

pub mod action_dialog;
pub mod alert_list;
pub mod app;
pub mod briefing_button;
pub mod case_actions;
pub mod case_detail;
pub mod case_facts;
pub mod case_panel;
pub mod clock_badge;
pub mod commands;
pub mod dispatch_dialog;
pub mod duplicate_list;
pub mod evaluation_panel;
pub mod export_buttons;
pub mod feature_card;
pub mod file_panel;
pub mod filter_panel;
pub mod help_overlay;
pub mod layer_panel;
pub mod layer_row;
pub mod legend;
pub mod map_controls;
pub mod map_view;
pub mod provisional_badge;
pub mod queue_panel;
pub mod results;
pub mod search_box;
pub mod settings_dialog;
pub mod stage_history;
pub mod status_bar;
pub mod time_bar;
pub mod toast;
pub mod top_bar;
pub mod wall;

pub use app::App;
