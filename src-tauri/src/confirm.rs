//! Writes that need a person's confirmation: the shell asks in a native dialog of its own, outside
//! the webview, so that script in the page cannot take them alone. They are the actions that end a
//! case ([`Action::needs_confirmation`]: 作废, 结案), merging a duplicate into its main case
//! (合并) and switching the console to another service (which is remembered for the next start). The dialog names what will happen — the
//! case's number, type and place as the service has them, or the service's address — and answers
//! `false` if it is refused, closed or cannot be shown.

use cityops_api::{Action, CaseDto};
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_dialog::{DialogExt, MessageDialogButtons, MessageDialogKind};

/// What the person is asked: a short title (also the dialog window's title) and the details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// One line: 请确认：….
    pub title: String,
    /// What will happen, to what.
    pub detail: String,
}

/// The confirm button: Alt+Y (mnemonic), as Chinese desktop software labels it.
pub const CONFIRM_LABEL: &str = "确认(_Y)";
/// The refuse button: Alt+N or Escape.
pub const REFUSE_LABEL: &str = "取消(_N)";

/// The question for `action` on case `id` (`case` as the service has it, if it could be read),
/// or `None` when the action needs no confirmation.
pub fn for_action(action: Action, id: i64, case: Option<&CaseDto>) -> Option<Question> {
    if !action.needs_confirmation() {
        return None;
    }
    let (verb, consequence) = match action {
        Action::Cancel => ("作废", "作废后案件不再办理，不可恢复。 The case is invalidated for good."),
        _ => ("结案", "结案后案件进入综合评价，不再办理。 The case is closed and goes to evaluation."),
    };
    let what = match case {
        Some(c) => format!(
            "{} · {} {}\n{}\n{}",
            c.case_no,
            c.type_key.code,
            c.address,
            shorten(&c.description, 80),
            consequence
        ),
        None => format!("案件 ID {id}（未能读取案件详情 / the case could not be read）\n{consequence}"),
    };
    let name = case.map_or_else(|| id.to_string(), |c| c.case_no.clone());
    Some(Question { title: format!("请确认：{verb}案件 {name}"), detail: what })
}

/// The question for merging case `dup` into case `main` (each as the service has it, if read).
pub fn for_merge(dup: i64, dup_case: Option<&CaseDto>, main: i64, main_case: Option<&CaseDto>) -> Question {
    let name = |id: i64, c: Option<&CaseDto>| c.map_or_else(|| format!("ID {id}"), |c| c.case_no.clone());
    let line = |id: i64, c: Option<&CaseDto>| match c {
        Some(c) => format!("{} · {} {}", c.case_no, c.type_key.code, c.address),
        None => format!("ID {id}"),
    };
    Question {
        title: format!("请确认：合并案件 {} → {}", name(dup, dup_case), name(main, main_case)),
        detail: format!(
            "重复上报：{}\n并入主案件：{}\n合并后重复案件作废并关联主案件，不可恢复。 The duplicate is cancelled for good, \
             linked to the main case.",
            line(dup, dup_case),
            line(main, main_case)
        ),
    }
}

/// The question for switching the console to the service at `base`.
pub fn for_switch(base: &str) -> Question {
    Question {
        title: "请确认：切换到另一服务".to_owned(),
        detail: format!(
            "控制台将连接 {base}，并在下次启动时继续使用它。\nThe console will follow {base} and \
             open on it at the next start."
        ),
    }
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max { s.to_owned() } else { s.chars().take(max).chain(['…']).collect() }
}

/// Ask the person in a native, modal dialog over the console window; `true` only if they confirm.
pub async fn ask<R: Runtime>(app: &AppHandle<R>, q: Question) -> bool {
    let (tx, rx) = tokio::sync::oneshot::channel();
    tracing::info!(title = %q.title, "asking the person at the console");
    let mut dialog = app
        .dialog()
        .message(q.detail)
        .title(q.title)
        .kind(MessageDialogKind::Warning)
        .buttons(MessageDialogButtons::OkCancelCustom(CONFIRM_LABEL.to_owned(), REFUSE_LABEL.to_owned()));
    if let Some(w) = app.get_webview_window("main") {
        dialog = dialog.parent(&w);
    }
    dialog.show(move |ok| {
        let _ = tx.send(ok);
    });
    let ok = rx.await.unwrap_or(false);
    tracing::info!(confirmed = ok, "the person at the console answered");
    ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_actions_that_end_a_case_are_asked() {
        for a in Action::ALL {
            let q = for_action(a, 7, None);
            assert_eq!(q.is_some(), matches!(a, Action::Cancel | Action::Close), "{a:?}");
        }
        let q = for_action(Action::Cancel, 7, None).unwrap();
        assert!(q.title.contains("作废") && q.title.contains('7'), "{q:?}");
        assert!(q.detail.contains("未能读取"), "{q:?}");
    }

    #[test]
    fn a_merge_names_both_cases() {
        let q = for_merge(7, None, 3, None);
        assert!(q.title.contains("合并") && q.title.contains("ID 7") && q.title.contains("ID 3"), "{q:?}");
    }

    #[test]
    fn a_switch_names_the_service() {
        assert!(for_switch("http://10.0.0.5:8480").detail.contains("http://10.0.0.5:8480"));
    }

    #[test]
    fn long_descriptions_are_shortened_on_a_character_boundary() {
        assert_eq!(shorten("街道街道", 2), "街道…");
        assert_eq!(shorten("街道", 2), "街道");
    }
}
