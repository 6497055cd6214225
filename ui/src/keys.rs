//! Keyboard shortcuts for the operator's frequent actions: one table, used both to handle key
//! presses and to render the help overlay.

use crate::i18n::Lang;

/// What a shortcut does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Zoom in one level about the centre.
    ZoomIn,
    /// Zoom out one level.
    ZoomOut,
    /// Pan by a tenth of the surface: `(dx, dy)` in {-1, 0, 1}.
    Pan(i8, i8),
    /// Back to the whole-city view.
    ResetView,
    /// Focus the search box.
    Search,
    /// Open the filter panel.
    Filters,
    /// Dispatch the selected case (opens the dispatch dialog).
    Dispatch,
    /// Close the topmost panel or dialog.
    Escape,
    /// Toggle the n-th layer of the layer panel (0-based).
    ToggleLayer(u8),
    /// Switch between Chinese and English.
    ToggleLanguage,
    /// Reload the viewport and the selected case.
    Refresh,
    /// Show or hide the shortcut help.
    Help,
    /// Open or close the work queue.
    Queue,
    /// Open or close the evaluation view.
    Evaluation,
    /// Queue: the cursor one row down (`1`) or up (`-1`).
    QueueStep(i8),
    /// Queue: open the case under the cursor.
    QueueOpen,
    /// Queue: mark or unmark the case under the cursor.
    QueueMark,
    /// Queue: take the marked cases (or the one under the cursor) one step on.
    QueueBatch,
    /// Replay an hour back (the time bar), or back to live.
    Replay,
}

/// The shortcut table: key (as `KeyboardEvent.key`), command, Chinese and English description.
pub const SHORTCUTS: &[(&str, Command, &str, &str)] = &[
    ("+", Command::ZoomIn, "放大", "Zoom in"),
    ("-", Command::ZoomOut, "缩小", "Zoom out"),
    ("ArrowUp", Command::Pan(0, -1), "向北平移", "Pan north"),
    ("ArrowDown", Command::Pan(0, 1), "向南平移", "Pan south"),
    ("ArrowLeft", Command::Pan(-1, 0), "向西平移", "Pan west"),
    ("ArrowRight", Command::Pan(1, 0), "向东平移", "Pan east"),
    ("0", Command::ResetView, "全市视图", "Whole city"),
    ("/", Command::Search, "搜索", "Search"),
    ("f", Command::Filters, "筛选面板", "Filter panel"),
    ("t", Command::Replay, "回放(时间轴)/回到实时", "Replay (time bar) / back to live"),
    ("d", Command::Dispatch, "派遣选中案件", "Dispatch the selected case"),
    ("Escape", Command::Escape, "关闭面板/对话框", "Close panel or dialog"),
    ("1", Command::ToggleLayer(0), "图层1 案件", "Layer 1 cases"),
    ("2", Command::ToggleLayer(1), "图层2 小区", "Layer 2 compounds"),
    ("3", Command::ToggleLayer(2), "图层3 收运路线", "Layer 3 routes"),
    ("4", Command::ToggleLayer(3), "图层4 收运车辆", "Layer 4 trucks"),
    ("5", Command::ToggleLayer(4), "图层5 环卫设施", "Layer 5 facilities"),
    ("6", Command::ToggleLayer(5), "图层6 建筑工地", "Layer 6 sites"),
    ("7", Command::ToggleLayer(6), "图层7 视频监控", "Layer 7 cameras"),
    ("8", Command::ToggleLayer(7), "图层8 告警", "Layer 8 alerts"),
    ("l", Command::ToggleLanguage, "中/英切换", "Chinese / English"),
    ("r", Command::Refresh, "刷新", "Refresh"),
    ("?", Command::Help, "快捷键帮助", "Shortcut help"),
    ("q", Command::Queue, "待办队列", "Work queue"),
    ("e", Command::Evaluation, "综合评价", "Evaluation"),
    ("j", Command::QueueStep(1), "待办:下一件", "Queue: next case"),
    ("k", Command::QueueStep(-1), "待办:上一件", "Queue: previous case"),
    ("Enter", Command::QueueOpen, "待办:打开案件", "Queue: open the case"),
    ("x", Command::QueueMark, "待办:标记/取消标记", "Queue: mark or unmark"),
    (
        "a",
        Command::QueueBatch,
        "待办:批量办理(受理/立案/反馈/核查)",
        "Queue: batch step (accept, register, feed back, verify)",
    ),
];

/// The command bound to a key, ignoring shortcuts while modifier keys other than Shift are held.
/// `=` zooms in too (the `+` key without Shift on US keyboards).
pub fn command_for(key: &str, ctrl_alt_meta: bool) -> Option<Command> {
    if ctrl_alt_meta {
        return None;
    }
    let key = match key {
        "=" => "+",
        "_" => "-",
        "F" => "f",
        "D" => "d",
        "L" => "l",
        "R" => "r",
        "Q" => "q",
        "E" => "e",
        "J" => "j",
        "K" => "k",
        "X" => "x",
        "A" => "a",
        "Home" => "0",
        k => k,
    };
    SHORTCUTS.iter().find(|(k, ..)| *k == key).map(|(_, c, ..)| *c)
}

/// How a key is shown to people (`ArrowUp` → `↑`).
pub fn key_label(key: &str) -> &str {
    match key {
        "ArrowUp" => "↑",
        "ArrowDown" => "↓",
        "ArrowLeft" => "←",
        "ArrowRight" => "→",
        "Escape" => "Esc",
        k => k,
    }
}

/// Help lines `(key as shown, description)` in a language.
pub fn help(lang: Lang) -> Vec<(&'static str, &'static str)> {
    SHORTCUTS.iter().map(|(k, _, zh, en)| (key_label(k), if lang == Lang::Zh { *zh } else { *en })).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_to_commands() {
        assert_eq!(command_for("+", false), Some(Command::ZoomIn));
        assert_eq!(command_for("=", false), Some(Command::ZoomIn));
        assert_eq!(command_for("ArrowLeft", false), Some(Command::Pan(-1, 0)));
        assert_eq!(command_for("D", false), Some(Command::Dispatch));
        assert_eq!(command_for("3", false), Some(Command::ToggleLayer(2)));
        assert_eq!(command_for("Home", false), Some(Command::ResetView));
        assert_eq!(command_for("d", true), None, "Ctrl+D belongs to the browser");
        assert_eq!(command_for("Q", false), Some(Command::Queue));
        assert_eq!(command_for("z", false), None);
    }

    #[test]
    fn every_key_is_bound_once() {
        let mut keys: Vec<_> = SHORTCUTS.iter().map(|(k, ..)| *k).collect();
        keys.sort();
        let n = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), n);
        assert_eq!(help(Lang::En).len(), n);
        assert_eq!(help(Lang::Zh)[2], ("↑", "向北平移"));
    }
}
