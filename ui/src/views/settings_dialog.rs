//! Service URL and token. In a browser they pick the service the page talks to; in the desktop
//! shell the shell checks them and switches its live map to that service (or back to its embedded
//! one), and the dialog says which service the console follows now.

use leptos::prelude::*;

use crate::data::link::{apply_settings, keep_settings, reload_all};
use crate::data::use_data;
use crate::i18n::{self, Msg};
use crate::state::Settings;

/// The settings dialog.
#[component]
pub fn SettingsDialog() -> impl IntoView {
    let d = use_data();
    let ui = d.ui;
    let server = RwSignal::new(d.link.settings.get_untracked().server);
    let token = RwSignal::new(d.link.settings.get_untracked().token);
    let shell = move || d.link.backend.with(|b| b.in_shell());
    // What the shell follows now, read each time the dialog opens.
    let current = LocalResource::new(move || {
        let (open, backend) = (ui.show_settings.get(), d.link.backend.get());
        async move { if open && backend.in_shell() { backend.service_info().await.ok() } else { None } }
    });
    // Switch (in the shell: `Some(url)` a remote service, `None` the embedded one).
    let switch = Action::new_local(move |target: &Option<String>| {
        let (target, token, backend) =
            (target.clone(), token.get_untracked().trim().to_owned(), d.link.backend.get_untracked());
        async move { backend.use_service(target.as_deref(), &token).await }
    });
    let problem = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        let Some(result) = switch.value().get() else { return };
        match result {
            Ok(info) => {
                if !info.embedded {
                    keep_settings(
                        d.link,
                        Settings {
                            server: server.get_untracked().trim().trim_end_matches('/').to_owned(),
                            token: token.get_untracked().trim().to_owned(),
                        },
                    );
                }
                problem.set(None);
                reload_all(d);
                ui.show_settings.set(false);
            }
            Err(e) => {
                let api = e.to_api();
                let text = if api.code == cityops_api::ErrorCode::NotConfirmed {
                    i18n::error_code(api.code, ui.lang.get_untracked()).to_owned()
                } else {
                    api.message
                };
                problem.set(Some(text));
            }
        }
    });
    Effect::new(move |_| {
        if ui.show_settings.get() {
            problem.set(None);
        }
    });
    let save = move |_| {
        if shell() {
            switch.dispatch(Some(server.get_untracked().trim().to_owned()));
        } else {
            let s = Settings {
                server: server.get_untracked().trim().trim_end_matches('/').to_owned(),
                token: token.get_untracked().trim().to_owned(),
            };
            apply_settings(d, s);
            ui.show_settings.set(false);
        }
    };
    let describe = move || {
        current.get().flatten().map(|info| {
            let kind = if info.embedded { Msg::EmbeddedService } else { Msg::RemoteService };
            format!("{}: {} · {}", ui.t(Msg::CurrentService), ui.t(kind), info.server)
        })
    };
    let busy = move || switch.pending().get();
    view! {
        <Show when=move || ui.show_settings.get()>
            <div class="modal-back">
                <div class="modal settings">
                    <h2>{move || ui.t(Msg::Settings)}</h2>
                    <Show when=shell>
                        <p class="service-now" id="service-now">{describe}</p>
                    </Show>
                    <label>{move || ui.t(Msg::ServerUrl)}
                        <input type="url" placeholder="http://127.0.0.1:8480" prop:value=move || server.get() on:input=move |e| server.set(event_target_value(&e))/>
                    </label>
                    <label>{move || ui.t(Msg::Token)}
                        <input type="password" prop:value=move || token.get() on:input=move |e| token.set(event_target_value(&e))/>
                    </label>
                    <Show when=shell>
                        <p class="hint">{move || ui.t(Msg::SwitchNote)}</p>
                    </Show>
                    <Show when=busy>
                        <p class="hint">{move || ui.t(Msg::Checking)}</p>
                    </Show>
                    {move || problem.get().map(|p| view! { <p class="problem">{p}</p> })}
                    <div class="row">
                        <button class="primary" id="settings-save" prop:disabled=busy on:click=save>{move || ui.t(Msg::Save)}</button>
                        <Show when=shell>
                            <button id="settings-embedded" prop:disabled=busy on:click=move |_| { switch.dispatch(None); }>{move || ui.t(Msg::UseEmbedded)}</button>
                        </Show>
                        <button on:click=move |_| ui.show_settings.set(false)>{move || ui.t(Msg::Cancel)}</button>
                    </div>
                </div>
            </div>
        </Show>
    }
}
