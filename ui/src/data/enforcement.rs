//! Penalty files (执法办案) in the console: the selected file (its detail and the steps the role
//! allows), the step being asked for, the transfer of a case (移送执法) with the matters its type
//! leads to, and the figures the wall shows. A step's or a transfer's answer updates the file's
//! point on the map and the panel at once.

use cityops_api::endpoint::Empty;
use cityops_api::query::{DocQuery, EnfSummaryQuery, IdPath, MatterQuery};
use cityops_api::{
    EnfAction, EnfFileDto, EnfStepRequest, EnfSummaryDto, MatterDto, NewEnfFileDto, TypeKey, ep,
};
use cityops_client::ClientError;
use leptos::prelude::*;

use super::link::Link;
use super::{Data, Ui, report};

/// The console's enforcement state.
#[derive(Clone, Copy)]
pub struct Enforcement {
    /// The selected file's id.
    pub file: RwSignal<Option<i64>>,
    /// Its detail.
    pub detail: LocalResource<Option<EnfFileDto>>,
    /// The steps the operator's role may take on it now.
    pub allowed: LocalResource<Vec<EnfAction>>,
    /// The step whose fields the step dialog asks for.
    pub asking: RwSignal<Option<EnfAction>>,
    /// Take a step.
    pub step: Action<(i64, EnfStepRequest), Result<EnfFileDto, ClientError>>,
    /// The case the transfer dialog is open for, with its type.
    pub transfer_for: RwSignal<Option<(i64, TypeKey)>>,
    /// The matters that type leads to.
    pub matters: LocalResource<Vec<MatterDto>>,
    /// Transfer a case.
    pub transfer: Action<NewEnfFileDto, Result<EnfFileDto, ClientError>>,
    /// The whole matter list (the discretion levels a step offers).
    pub list: LocalResource<Option<cityops_api::MatterListDto>>,
    /// The enforcement figures (the wall's panel).
    pub summary: RwSignal<Option<EnfSummaryDto>>,
    changed: RwSignal<u64>,
}

impl Enforcement {
    pub(super) fn new(ui: Ui, link: Link) -> Self {
        let file = RwSignal::new(None::<i64>);
        let changed = RwSignal::new(0u64);
        let detail = LocalResource::new(move || {
            let (id, backend, _) = (file.get(), link.backend.get(), link.epoch.get());
            async move {
                let id = id?;
                match backend.get::<ep::EnfGetFile>(&IdPath { id }, &Empty {}).await {
                    Ok(f) => Some(f),
                    Err(e) => {
                        report(ui, link, &e);
                        None
                    }
                }
            }
        });
        let allowed = LocalResource::new(move || {
            let (id, backend, _, _) = (file.get(), link.backend.get(), link.epoch.get(), changed.get());
            async move {
                match id {
                    Some(id) => backend
                        .get::<ep::EnfAllowedSteps>(&IdPath { id }, &Empty {})
                        .await
                        .unwrap_or_default(),
                    None => Vec::new(),
                }
            }
        });
        let step = Action::new_local(move |(id, req): &(i64, EnfStepRequest)| {
            let (id, req, backend) = (*id, req.clone(), link.backend.get_untracked());
            async move { backend.call::<ep::EnfStep>(&IdPath { id }, &Empty {}, &req).await }
        });
        let transfer_for = RwSignal::new(None::<(i64, TypeKey)>);
        let matters = LocalResource::new(move || {
            let (of, backend) = (transfer_for.get(), link.backend.get());
            async move {
                let Some((_, key)) = of else { return Vec::new() };
                let q = MatterQuery { kind: Some(key.kind), code: Some(key.code) };
                match backend.get::<ep::EnfMatters>(&Empty {}, &q).await {
                    Ok(list) => list.matters,
                    Err(e) => {
                        report(ui, link, &e);
                        Vec::new()
                    }
                }
            }
        });
        let transfer = Action::new_local(move |new: &NewEnfFileDto| {
            let (new, backend) = (new.clone(), link.backend.get_untracked());
            async move { backend.call::<ep::EnfCreateFile>(&Empty {}, &Empty {}, &new).await }
        });
        let list = LocalResource::new(move || {
            let backend = link.backend.get();
            async move { backend.get::<ep::EnfMatters>(&Empty {}, &MatterQuery::default()).await.ok() }
        });
        Enforcement {
            list,
            file,
            detail,
            allowed,
            asking: RwSignal::new(None),
            step,
            transfer_for,
            matters,
            transfer,
            summary: RwSignal::new(None),
            changed,
        }
    }

    /// Select a file (its detail and steps load).
    pub fn select(&self, id: i64) {
        if self.file.get_untracked() == Some(id) {
            self.reload();
        } else {
            self.file.set(Some(id));
        }
    }

    /// Read the selected file and its steps again.
    pub fn reload(&self) {
        self.detail.refetch();
        self.changed.update(|n| *n += 1);
    }

    /// A live event changed file `id`.
    pub fn file_changed(&self, id: i64) {
        if self.file.get_untracked() == Some(id) && !self.step.pending().get_untracked() {
            self.reload();
        }
    }

    /// Close the panel and its dialogs.
    pub fn clear(&self) {
        self.file.set(None);
        self.asking.set(None);
    }

    /// Read the figures (the caller's district, the last 30 days).
    pub fn load_summary(&self, link: Link) {
        let backend = link.backend.get_untracked();
        let summary = self.summary;
        leptos::task::spawn_local(async move {
            if let Ok(s) = backend.get::<ep::EnfSummary>(&Empty {}, &EnfSummaryQuery::default()).await {
                summary.set(Some(s));
            }
        });
    }
}

/// Save a document of a file: in the shell into the download directory (answers the path), in
/// a browser as a download (answers its name).
pub async fn save_document(d: Data, id: i64, kind: cityops_api::DocKind, n: usize) {
    let backend = d.link.backend.get_untracked();
    match backend.export_document(id, kind, &DocQuery { n: Some(n) }).await {
        Ok(where_) => d.ui.done(where_),
        Err(e) => d.error(&e),
    }
}

/// A file's answer updates its point on the map, the panel and the allowed steps; a transfer
/// opens the new file.
pub(super) fn wire(d: Data) {
    let show = move |f: &EnfFileDto| {
        d.map.picture.update(|p| p.note_file(&f.mark(), d.link.now.get_untracked()));
        super::map::request_draw(d);
    };
    Effect::new(move |_| {
        let Some(result) = d.enf.step.value().get() else { return };
        match result {
            Ok(f) => {
                show(&f);
                if d.enf.file.get_untracked() == Some(f.id) {
                    d.enf.detail.set(Some(Some(f)));
                }
                d.enf.asking.set(None);
                d.enf.changed.update(|n| *n += 1);
            }
            Err(e) => d.error(&e),
        }
    });
    Effect::new(move |_| {
        let Some(result) = d.enf.transfer.value().get() else { return };
        match result {
            Ok(f) => {
                show(&f);
                d.enf.transfer_for.set(None);
                d.sel.clear();
                d.ui.done(format!("{} {}", f.file_no, f.matter_name));
                d.enf.select(f.id);
            }
            Err(e) => d.error(&e),
        }
    });
}
