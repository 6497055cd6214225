//! A penalty file (执法案卷) on the right: its number, matter, stage and the statutory limits
//! running (red/yellow), the party, the step timeline (who, when), the evidence, the documents
//! (each saved as PDF), and the steps the operator's role may take — each opening the step
//! dialog with the fields that step needs. Also the transfer dialog (移送执法) of a case.

use cityops_api::{
    EnfAction, EnfFileDto, EnfStepRequest, EvidenceDto, EvidenceKind, NewEnfFileDto, OfficerDto, PartyDto,
    PartyKind, PenaltyDto, ServiceMethod,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::data::use_data;
use crate::i18n::{self, Lang, Msg};
use crate::state::{local_minute, long_time};
use crate::style;

/// The panel of the selected file.
#[component]
pub fn FilePanel() -> impl IntoView {
    let d = use_data();
    view! {
        <Show when=move || d.enf.file.get().is_some()>
            <aside class="detail" id="file-panel">
                <button class="close" title=move || d.ui.t(Msg::Close) on:click=move |_| d.enf.clear()>"×"</button>
                <Suspense fallback=move || view! { <div class="loading">{move || d.ui.t(Msg::Loading)}</div> }>
                    {move || Suspend::new(async move {
                        d.enf.detail.await.map(|f| view! { <FileDetail file=f/> })
                    })}
                </Suspense>
            </aside>
        </Show>
    }
}

fn party_text(p: &Option<PartyDto>, lang: Lang) -> String {
    match p {
        None => "—".into(),
        Some(p) => {
            let kind = match p.kind {
                PartyKind::Citizen => Msg::EnfCitizen.text(lang),
                PartyKind::Organisation => Msg::EnfOrganisation.text(lang),
            };
            format!("{}({kind})", p.name)
        }
    }
}

/// One file.
#[component]
fn FileDetail(
    /// The file.
    file: EnfFileDto,
) -> impl IntoView {
    let d = use_data();
    let ui = d.ui;
    let f = file;
    let colour = style::feature_colour(
        cityops_api::LayerKind::Enforcement,
        f.mark().class_at(d.link.now.get_untracked()),
    );
    let (stage, status, procedure) = (f.stage, f.status, f.procedure);
    let id = f.id;
    let limits = f.limits.clone();
    let steps = f.steps.clone();
    let evidence = f.evidence.clone();
    let documents = f.documents.clone();
    let party = f.party.clone();
    let case = f.case_id.zip(f.case_no.clone());
    let penalty = f.penalty.as_ref().map(|p| p.fine_yuan);
    let (major, hearing) = (f.major, f.hearing_right);
    let limit_rows = move || {
        let lang = ui.lang.get();
        let now = d.link.now.get();
        if limits.is_empty() {
            return view! { <p class="small">{Msg::EnfNoLimits.text(lang)}</p> }.into_any();
        }
        limits
            .iter()
            .map(|l| {
                let late = now >= l.deadline;
                let soon = !late && now >= l.due_soon_at;
                view! {
                    <div class="enf-limit" class:late=late class:soon=soon title=l.basis.clone()>
                        <span>{l.label.clone()}</span> " · " <span class="mono">{l.period.clone()}</span>
                        " · " <span class="mono">{format!("{} (UTC+8)", long_time(l.deadline))}</span>
                        {l.provisional.then_some(" *")}
                    </div>
                }
            })
            .collect_view()
            .into_any()
    };
    let timeline = move || {
        let lang = ui.lang.get();
        steps
            .iter()
            .map(|s| {
                let note = (!s.note.is_empty()).then(|| format!("({})", s.note));
                view! {
                    <li><span class="mono">{long_time(s.at)}</span> " " <b>{i18n::enf_action(s.action, lang)}</b>
                        " · " {i18n::role(s.role, lang)} " " <span class="mono">{s.actor.clone()}</span> {note}</li>
                }
            })
            .collect_view()
    };
    let evidence_rows = move || {
        let lang = ui.lang.get();
        evidence
            .iter()
            .map(|e| {
                let who = e.officers.iter().map(|o| format!("{} {}", o.name, o.cert_no)).collect::<Vec<_>>().join("、");
                view! {
                    <li><b>{e.kind.zh()}</b> " " {e.summary.clone()}
                        {(!who.is_empty()).then(|| view! { <span class="small">" · " {who}</span> })}
                        {e.from_case.then(|| view! { <span class="small">" · " {Msg::EnfFromCaseEvidence.text(lang)}</span> })}
                    </li>
                }
            })
            .collect_view()
    };
    let docs = move || {
        let lang = ui.lang.get();
        if documents.is_empty() {
            return view! { <p class="small">{Msg::EnfNoDocuments.text(lang)}</p> }.into_any();
        }
        let mut seen: std::collections::BTreeMap<cityops_api::DocKind, usize> = Default::default();
        documents
            .iter()
            .map(|doc| {
                let n = *seen.entry(doc.kind).and_modify(|n| *n += 1).or_insert(0);
                let kind = doc.kind;
                view! {
                    <div class="enf-doc">
                        <button class="link" data-doc=kind.slug() on:click=move |_| spawn_local(crate::data::enforcement::save_document(d, id, kind, n))>
                            {i18n::doc_kind(kind, lang)}
                        </button>
                        " " <span class="mono small">{doc.number.clone()}</span>
                    </div>
                }
            })
            .collect_view()
            .into_any()
    };
    let actions = move || {
        let lang = ui.lang.get();
        let allowed = d.enf.allowed.get().unwrap_or_default();
        if allowed.is_empty() {
            return view! { <span class="small">{Msg::NoActions.text(lang)}</span> }.into_any();
        }
        allowed
            .into_iter()
            .map(|a| {
                view! {
                    <button data-step=cityops_api::wire_name(&a) on:click=move |_| d.enf.asking.set(Some(a))>
                        {i18n::enf_action(a, lang)}
                    </button>
                }
            })
            .collect_view()
            .into_any()
    };
    view! {
        <div class="case enf" data-stage=cityops_api::wire_name(&stage)>
            <h2><span class="dot big" style:background=colour></span><span class="mono" id="file-no">{f.file_no.clone()}</span></h2>
            <div class="stage-line" id="file-stage">
                {move || i18n::enf_stage(stage, ui.lang.get())} " · " {status.zh()} " · " {procedure.zh()}
            </div>
            <p><b>{move || ui.t(Msg::EnfMatter)}</b> ": " {f.matter_name.clone()} " " <span class="mono small">{f.matter.clone()}</span></p>
            <p><b>{move || ui.t(Msg::EnfParty)}</b> ": " {move || party_text(&party, ui.lang.get())}</p>
            <p><b>{move || ui.t(Msg::EnfFacts)}</b> ": " {f.facts.clone()}</p>
            <p class="small">{f.address.clone()}</p>
            {case.map(|(cid, no)| view! {
                <p><b>{move || ui.t(Msg::EnfFromCase)}</b> ": "
                    <button class="link mono" on:click=move |_| { d.enf.clear(); d.sel.select(cid); }>{no}</button></p>
            })}
            {penalty.map(|fine| view! { <p><b>{move || ui.t(Msg::EnfFine)}</b> ": " <span class="mono">{fine}</span></p> })}
            {major.then(|| view! { <p class="small warn">{move || ui.t(Msg::EnfMajor)}</p> })}
            {hearing.then(|| view! { <p class="small">{move || ui.t(Msg::EnfHearing)}</p> })}
            <h3>{move || ui.t(Msg::EnfLimits)}</h3>
            {limit_rows}
            <h3>{move || ui.t(Msg::Actions)}</h3>
            <div class="actions" id="file-actions">{actions}</div>
            <h3>{move || ui.t(Msg::EnfDocuments)}</h3>
            <div id="file-documents">{docs}</div>
            <h3>{move || ui.t(Msg::EnfEvidence)}</h3>
            <ul class="enf-list">{evidence_rows}</ul>
            <h3>{move || ui.t(Msg::EnfTimeline)}</h3>
            <ol class="enf-list" id="file-timeline">{timeline}</ol>
        </div>
    }
}

/// Parse the officers' lines: `name cert_no` each.
fn officers(text: &str) -> Vec<OfficerDto> {
    text.lines()
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            let name = parts.next()?;
            let cert = parts.next()?;
            Some(OfficerDto { name: name.to_owned(), cert_no: cert.to_owned() })
        })
        .collect()
}

/// The step dialog: the fields the step needs, then the step sent with the file's version. The
/// service's refusal (a fine outside its level, a period still running…) shows in the toast.
#[component]
pub fn StepDialog() -> impl IntoView {
    let d = use_data();
    let ui = d.ui;
    let note = RwSignal::new(String::new());
    let level = RwSignal::new(0usize);
    let quantity = RwSignal::new(String::new());
    let fine = RwSignal::new(String::new());
    let warning = RwSignal::new(false);
    let kind = RwSignal::new(EvidenceKind::Inspection);
    let crew = RwSignal::new(String::new());
    let correct_by = RwSignal::new(String::new());
    let service = RwSignal::new(ServiceMethod::Direct);
    let paid = RwSignal::new(String::new());
    let days = RwSignal::new(String::from("30"));
    let party_name = RwSignal::new(String::new());
    let party_org = RwSignal::new(false);
    // A new step starts from the file: its proposal, its fine due, its party.
    Effect::new(move |_| {
        if d.enf.asking.get().is_some() {
            let f = d.enf.detail.get_untracked().flatten();
            let p = f.as_ref().and_then(|f| f.penalty.clone()).unwrap_or_default();
            note.set(String::new());
            level.set(p.level);
            quantity.set(if p.quantity > 0 { p.quantity.to_string() } else { String::new() });
            fine.set(if p.fine_yuan > 0 { p.fine_yuan.to_string() } else { String::new() });
            warning.set(p.warning);
            paid.set(p.fine_yuan.to_string());
            party_name
                .set(f.as_ref().and_then(|f| f.party.as_ref()).map(|p| p.name.clone()).unwrap_or_default());
        }
    });
    let needs = move |set: &[EnfAction]| d.enf.asking.get().is_some_and(|a| set.contains(&a));
    let confirm = move |_| {
        let Some(action) = d.enf.asking.get_untracked() else { return };
        let Some(f) = d.enf.detail.get_untracked().flatten() else { return };
        let num = |s: RwSignal<String>| s.get_untracked().trim().parse::<u64>().ok();
        let mut req = EnfStepRequest::new(action, f.version);
        req.note = note.get_untracked().trim().to_owned();
        match action {
            EnfAction::AddEvidence => {
                req.evidence = Some(EvidenceDto {
                    kind: kind.get_untracked(),
                    summary: req.note.clone(),
                    media: Vec::new(),
                    officers: officers(&crew.get_untracked()),
                    taken_at: d.link.now.get_untracked(),
                    from_case: false,
                });
            }
            EnfAction::Propose | EnfAction::DecideOnSpot | EnfAction::Decide => {
                req.penalty = Some(PenaltyDto {
                    level: level.get_untracked(),
                    quantity: num(quantity).unwrap_or(0),
                    fine_yuan: num(fine).unwrap_or(0),
                    warning: warning.get_untracked(),
                    demolition: f.penalty.as_ref().is_some_and(|p| p.demolition),
                    reasons: req.note.clone(),
                });
                if action == EnfAction::DecideOnSpot {
                    req.officers = officers(&crew.get_untracked());
                }
            }
            EnfAction::OrderCorrection => req.correct_by = local_minute(&correct_by.get_untracked()),
            EnfAction::Serve => req.service = Some(service.get_untracked()),
            EnfAction::RecordPayment => req.paid_yuan = num(paid),
            EnfAction::Extend => req.extend_days = num(days).and_then(|n| u32::try_from(n).ok()),
            _ => {}
        }
        if matches!(action, EnfAction::File | EnfAction::DecideOnSpot | EnfAction::Propose)
            && f.party.is_none()
        {
            let name = party_name.get_untracked().trim().to_owned();
            if !name.is_empty() {
                let kind =
                    if party_org.get_untracked() { PartyKind::Organisation } else { PartyKind::Citizen };
                req.party = Some(PartyDto {
                    kind,
                    name,
                    id_number: String::new(),
                    address: String::new(),
                    phone: String::new(),
                });
            }
        }
        d.enf.step.dispatch((f.id, req));
    };
    let levels = move || {
        let code = d.enf.detail.get().flatten().map(|f| f.matter).unwrap_or_default();
        let list = d.enf.list.get().flatten();
        let levels = list
            .and_then(|l| l.matters.into_iter().find(|m| m.code == code))
            .map(|m| m.levels)
            .unwrap_or_default();
        levels
            .into_iter()
            .enumerate()
            .map(|(i, l)| {
                let text = format!("{} · {}–{} {} · {}", l.level, l.min, l.max, l.unit.zh(), l.facts);
                view! { <option value=i.to_string() selected=move || level.get() == i>{text}</option> }
            })
            .collect_view()
    };
    view! {
        <Show when=move || d.enf.asking.get().is_some()>
            <div class="modal-back">
                <div class="modal act" id="step-dialog">
                    <h2>{move || d.enf.asking.get().map(|a| i18n::enf_action(a, ui.lang.get())).unwrap_or_default()}</h2>
                    <Show when=move || needs(&[EnfAction::File, EnfAction::DecideOnSpot, EnfAction::Propose])
                        && d.enf.detail.get().flatten().is_some_and(|f| f.party.is_none())>
                        <label>{move || ui.t(Msg::EnfPartyName)}
                            <input id="step-party" prop:value=move || party_name.get() on:input=move |e| party_name.set(event_target_value(&e))/>
                        </label>
                        <label class="inline"><input type="checkbox" prop:checked=move || party_org.get()
                            on:change=move |e| party_org.set(event_target_checked(&e))/>{move || ui.t(Msg::EnfOrganisation)}</label>
                    </Show>
                    <Show when=move || needs(&[EnfAction::AddEvidence])>
                        <label>{move || ui.t(Msg::EnfKind)}
                            <select id="step-evidence-kind" on:change=move |e| {
                                let k = match event_target_value(&e).as_str() {
                                    "interview" => EvidenceKind::Interview,
                                    "photo" => EvidenceKind::Photo,
                                    "document" => EvidenceKind::Document,
                                    _ => EvidenceKind::Inspection,
                                };
                                kind.set(k);
                            }>
                                {[EvidenceKind::Inspection, EvidenceKind::Interview, EvidenceKind::Photo, EvidenceKind::Document]
                                    .into_iter()
                                    .map(|k| view! { <option value=cityops_api::wire_name(&k)>{k.zh()}</option> })
                                    .collect_view()}
                            </select>
                        </label>
                    </Show>
                    <Show when=move || needs(&[EnfAction::AddEvidence, EnfAction::DecideOnSpot])>
                        <label>{move || ui.t(Msg::EnfOfficers)}
                            <textarea id="step-officers" prop:value=move || crew.get() on:input=move |e| crew.set(event_target_value(&e))></textarea>
                        </label>
                    </Show>
                    <Show when=move || needs(&[EnfAction::Propose, EnfAction::DecideOnSpot, EnfAction::Decide])>
                        <label>{move || ui.t(Msg::EnfLevel)}
                            <select id="step-level" on:change=move |e| level.set(event_target_value(&e).parse().unwrap_or(0))>{levels}</select>
                        </label>
                        <label>{move || ui.t(Msg::EnfQuantity)}
                            <input id="step-quantity" inputmode="numeric" prop:value=move || quantity.get() on:input=move |e| quantity.set(event_target_value(&e))/>
                        </label>
                        <label>{move || ui.t(Msg::EnfFine)}
                            <input id="step-fine" inputmode="numeric" prop:value=move || fine.get() on:input=move |e| fine.set(event_target_value(&e))/>
                        </label>
                        <label class="inline"><input type="checkbox" prop:checked=move || warning.get()
                            on:change=move |e| warning.set(event_target_checked(&e))/>"警告 / Warning"</label>
                    </Show>
                    <Show when=move || needs(&[EnfAction::OrderCorrection])>
                        <label>{move || ui.t(Msg::EnfCorrectBy)}
                            <input type="datetime-local" id="step-correct-by" prop:value=move || correct_by.get() on:input=move |e| correct_by.set(event_target_value(&e))/>
                        </label>
                    </Show>
                    <Show when=move || needs(&[EnfAction::Serve])>
                        <label>{move || ui.t(Msg::EnfService)}
                            <select id="step-service" on:change=move |e| {
                                let m = match event_target_value(&e).as_str() {
                                    "lodged" => ServiceMethod::Lodged,
                                    "post" => ServiceMethod::Post,
                                    "electronic" => ServiceMethod::Electronic,
                                    "public" => ServiceMethod::Public,
                                    _ => ServiceMethod::Direct,
                                };
                                service.set(m);
                            }>
                                {[ServiceMethod::Direct, ServiceMethod::Lodged, ServiceMethod::Post, ServiceMethod::Electronic, ServiceMethod::Public]
                                    .into_iter()
                                    .map(|m| view! { <option value=cityops_api::wire_name(&m)>{m.zh()}</option> })
                                    .collect_view()}
                            </select>
                        </label>
                    </Show>
                    <Show when=move || needs(&[EnfAction::RecordPayment])>
                        <label>{move || ui.t(Msg::EnfPaid)}
                            <input id="step-paid" inputmode="numeric" prop:value=move || paid.get() on:input=move |e| paid.set(event_target_value(&e))/>
                        </label>
                    </Show>
                    <Show when=move || needs(&[EnfAction::Extend])>
                        <label>{move || ui.t(Msg::EnfExtendDays)}
                            <input id="step-days" inputmode="numeric" prop:value=move || days.get() on:input=move |e| days.set(event_target_value(&e))/>
                        </label>
                    </Show>
                    <label>{move || if needs(&[EnfAction::AddEvidence]) { ui.t(Msg::EnfContent) } else { ui.t(Msg::Reason) }}
                        <textarea id="step-note" prop:value=move || note.get() on:input=move |e| note.set(event_target_value(&e))></textarea>
                    </label>
                    <div class="row">
                        <button class="primary" id="step-confirm" prop:disabled=move || d.enf.step.pending().get() on:click=confirm>{move || ui.t(Msg::Confirm)}</button>
                        <button on:click=move |_| d.enf.asking.set(None)>{move || ui.t(Msg::Cancel)}</button>
                    </div>
                </div>
            </div>
        </Show>
    }
}

/// 移送执法 on a case: the button (shown when the case is open and a matter follows from its
/// type).
#[component]
pub fn TransferButton(
    /// The case.
    case: cityops_api::CaseDto,
) -> impl IntoView {
    let d = use_data();
    let open = !matches!(case.status, cityops_api::CaseStatus::Closed | cityops_api::CaseStatus::Cancelled);
    let (id, key) = (case.id, case.type_key.clone());
    open.then(|| {
        view! {
            <button id="transfer-button" on:click=move |_| d.enf.transfer_for.set(Some((id, key.clone())))>
                {move || d.ui.t(Msg::EnfTransfer)}
            </button>
        }
    })
}

/// The penalty files transferred from a case (read when the role may list files), each opening
/// its panel.
#[component]
pub fn CaseFiles(
    /// The case.
    case_id: i64,
) -> impl IntoView {
    let d = use_data();
    let files = LocalResource::new(move || {
        let (backend, _) = (d.link.backend.get(), d.enf.transfer.version().get());
        async move {
            let q = cityops_api::query::EnfFileQuery { case_id: Some(case_id), ..Default::default() };
            backend
                .get::<cityops_api::ep::EnfListFiles>(&cityops_api::endpoint::Empty {}, &q)
                .await
                .map(|p| p.items)
                .unwrap_or_default()
        }
    });
    move || {
        let lang = d.ui.lang.get();
        let list = files.get().unwrap_or_default();
        (!list.is_empty()).then(|| {
            let rows = list
                .into_iter()
                .map(|f| {
                    let id = f.id;
                    view! {
                        <div class="enf-doc">
                            <button class="link mono" on:click=move |_| { d.sel.clear(); d.enf.select(id); }>{f.file_no.clone()}</button>
                            " " {f.matter_name.clone()} " · " {i18n::enf_stage(f.stage, lang)}
                        </div>
                    }
                })
                .collect_view();
            view! { <h3>{Msg::EnfFile.text(lang)}</h3><div id="case-files">{rows}</div> }
        })
    }
}

/// The transfer dialog: the matter (of those the type leads to), the facts, the party.
#[component]
pub fn TransferDialog() -> impl IntoView {
    let d = use_data();
    let ui = d.ui;
    let matter = RwSignal::new(String::new());
    let facts = RwSignal::new(String::new());
    let party_name = RwSignal::new(String::new());
    let party_org = RwSignal::new(false);
    Effect::new(move |_| {
        let list = d.enf.matters.get().unwrap_or_default();
        matter.set(list.first().map(|m| m.code.clone()).unwrap_or_default());
    });
    let confirm = move |_| {
        let Some((case_id, _)) = d.enf.transfer_for.get_untracked() else { return };
        let name = party_name.get_untracked().trim().to_owned();
        let kind = if party_org.get_untracked() { PartyKind::Organisation } else { PartyKind::Citizen };
        let new = NewEnfFileDto {
            matter: matter.get_untracked(),
            case_id: Some(case_id),
            lon: None,
            lat: None,
            address: String::new(),
            facts: facts.get_untracked(),
            party: (!name.is_empty()).then(|| PartyDto {
                kind,
                name,
                id_number: String::new(),
                address: String::new(),
                phone: String::new(),
            }),
        };
        d.enf.transfer.dispatch(new);
    };
    let options = move || {
        d.enf
            .matters
            .get()
            .unwrap_or_default()
            .into_iter()
            .map(|m| {
                let code = m.code.clone();
                view! { <option value=code.clone() selected=move || matter.get() == code>{format!("{} {}", m.code, m.name)}</option> }
            })
            .collect_view()
    };
    let empty = move || d.enf.matters.get().is_some_and(|m| m.is_empty());
    view! {
        <Show when=move || d.enf.transfer_for.get().is_some()>
            <div class="modal-back">
                <div class="modal act" id="transfer-dialog">
                    <h2>{move || ui.t(Msg::EnfTransfer)}</h2>
                    <p class="small">{move || ui.t(Msg::EnfTransferNote)}</p>
                    <Show when=empty fallback=move || view! {
                        <label>{move || ui.t(Msg::EnfMatter)}
                            <select id="transfer-matter" on:change=move |e| matter.set(event_target_value(&e))>{options}</select>
                        </label>
                        <label>{move || ui.t(Msg::EnfFacts)}
                            <textarea id="transfer-facts" prop:value=move || facts.get() on:input=move |e| facts.set(event_target_value(&e))></textarea>
                        </label>
                        <label>{move || ui.t(Msg::EnfPartyName)}
                            <input id="transfer-party" prop:value=move || party_name.get() on:input=move |e| party_name.set(event_target_value(&e))/>
                        </label>
                        <label class="inline"><input type="checkbox" prop:checked=move || party_org.get()
                            on:change=move |e| party_org.set(event_target_checked(&e))/>{move || ui.t(Msg::EnfOrganisation)}</label>
                    }>
                        <p class="problem">{move || ui.t(Msg::EnfNoMatter)}</p>
                    </Show>
                    <div class="row">
                        <button class="primary" id="transfer-confirm" prop:disabled=move || d.enf.transfer.pending().get() || empty()
                            on:click=confirm>{move || ui.t(Msg::Confirm)}</button>
                        <button on:click=move |_| d.enf.transfer_for.set(None)>{move || ui.t(Msg::Cancel)}</button>
                    </div>
                </div>
            </div>
        </Show>
    }
}
