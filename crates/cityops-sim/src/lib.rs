//! cityops-sim: a **labelled-synthetic** Qingdao that drives the cityops service through its real
//! HTTP API — inspector reports, 12345 work orders, camera detections, citizen reports through
//! Open311 — at the city's published rates on a diurnal curve, and plays the centre's and the
//! departments' roles so cases move through the closed loop (most close in time; some go overdue,
//! are returned or reworked). It talks to the service only over HTTP, so it doubles as the load
//! generator. Seeded and reproducible in what it decides; the service's clock (real or scaled with
//! `cityops-server --time-scale`) is the simulation's clock.

pub mod client;
pub mod enforce;
pub mod fleet;
pub mod model;
pub mod place;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::time::{Duration, Instant};

use chrono::{NaiveDateTime, TimeDelta};
use cityops_api::{
    Action, ActionRequest, CaseDto, Channel, HotlineDemand, HotlineOrderDto, InspectorReportDto, Role,
    VideoDetectionDto,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::client::{ClientError, Service};
use cityops_api::ep;
use cityops_client::Client;
use cityops_client::native::HttpTransport;

/// The service as one role reaches it.
type As = Client<HttpTransport>;
use crate::model::Plan;
use crate::place::Places;

/// What to run.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Service base URL, e.g. `http://127.0.0.1:8480`.
    pub server: String,
    /// An admin token (the simulator creates its role tokens with it).
    pub token: String,
    /// Seed of every random decision.
    pub seed: u64,
    /// Expected time scale of the service (checked against `/api/health`); None = accept any.
    pub speed: Option<f64>,
    /// Stop after this much simulated time; None = run until stopped.
    pub duration: Option<TimeDelta>,
    /// Real time between scheduling rounds.
    pub tick: Duration,
    /// Real time between progress lines.
    pub progress_every: Duration,
    /// Drive the 749 waste trucks (GPS fixes every simulated minute).
    pub trucks: bool,
    /// Site sensors read every this many simulated minutes (0 = off; the city's is 1).
    pub sensor_every_min: u32,
    /// Writes per real second the run may ask of the service. At high time scales the city's
    /// full rate exceeds it, and the run is thinned ([`model::thinning`]) and says so.
    pub max_writes_per_sec: f64,
    /// The city as the service in this process holds it (parsed once per process); None: parse
    /// the data compiled in.
    pub city: Option<place::CityData>,
}

/// Default write budget of a run (writes per real second).
pub const DEFAULT_MAX_WRITES_PER_SEC: f64 = 4000.0;

/// How far (real seconds) the simulation may fall behind the service's clock before it skips
/// ahead instead of replaying the backlog.
const MAX_BACKLOG_SECS: f64 = 20.0;

impl SimConfig {
    /// Defaults for a server URL and admin token.
    pub fn new(server: impl Into<String>, token: impl Into<String>) -> Self {
        Self {
            server: server.into(),
            token: token.into(),
            seed: 7,
            speed: None,
            duration: None,
            tick: Duration::from_millis(200),
            progress_every: Duration::from_secs(10),
            trucks: true,
            sensor_every_min: 1,
            max_writes_per_sec: DEFAULT_MAX_WRITES_PER_SEC,
            city: None,
        }
    }
}

/// What a run did (all synthetic).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Simulated start.
    pub from: Option<NaiveDateTime>,
    /// Simulated end.
    pub to: Option<NaiveDateTime>,
    /// Reports filed per channel (including duplicates merged by the service).
    pub reported: HashMap<Channel, u64>,
    /// Cases the service created.
    pub created: u64,
    /// Video detections below the confidence threshold (no case).
    pub ignored: u64,
    /// Video detections merged into an open case (same camera, type and place).
    pub merged: u64,
    /// Workflow actions performed, by action.
    pub actions: HashMap<Action, u64>,
    /// Feedbacks sent after their deadline.
    pub late_feedbacks: u64,
    /// Cases open and past their deadline at the end (from the service).
    pub overdue_at_end: u64,
    /// Requests the service refused or that failed.
    pub errors: u64,
    /// Truck GPS fixes sent.
    pub fixes: u64,
    /// Sensor readings sent.
    pub readings: u64,
    /// Cases created in the run, with the district the simulator placed them in.
    pub placed: Vec<(i64, String)>,
    /// The thinning the time scale needed (share of reports filed, feed cadence).
    pub thinning: Option<model::Thinning>,
    /// Arrivals drawn but not filed because of the thinning.
    pub thinned: u64,
    /// Simulated minutes skipped because the service could not keep up.
    pub skipped_min: u64,
    /// What the simulated enforcement bureau did.
    pub enforcement: enforce::Activity,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let span = match (self.from, self.to) {
            (Some(a), Some(b)) => format!("{a} → {b} (simulated, China Standard Time)"),
            _ => "nothing simulated".into(),
        };
        writeln!(f, "cityops-sim summary — SYNTHETIC data, {span}")?;
        let total: u64 = self.reported.values().sum();
        writeln!(f, "  reports filed: {total}")?;
        for (c, _) in model::CHANNEL_MIX {
            let n = self.reported.get(&c).copied().unwrap_or(0);
            let share = if total > 0 { 100.0 * n as f64 / total as f64 } else { 0.0 };
            writeln!(f, "    {:<14} {n:>8}  ({share:.1} %)", c.zh())?;
        }
        writeln!(
            f,
            "  cases created: {}   video detections below threshold (no case): {}   merged into an open case: {}",
            self.created, self.ignored, self.merged
        )?;
        let a = |x: Action| self.actions.get(&x).copied().unwrap_or(0);
        writeln!(
            f,
            "  actions: 受理 {} 立案 {} 派遣 {} 反馈 {} 核查 {} 结案 {} | 作废 {} 回退 {} 返工 {}",
            a(Action::Accept),
            a(Action::Register),
            a(Action::Dispatch),
            a(Action::Feedback),
            a(Action::Verify),
            a(Action::Close),
            a(Action::Cancel),
            a(Action::Return),
            a(Action::Rework)
        )?;
        writeln!(f, "  feedbacks after their deadline: {}", self.late_feedbacks)?;
        writeln!(f, "  open cases past their deadline at the end: {}", self.overdue_at_end)?;
        writeln!(f, "  truck GPS fixes: {}   site sensor readings: {}", self.fixes, self.readings)?;
        if let Some(t) = self.thinning.filter(|t| t.report_share < 1.0 || t.feed_stride_min > 1) {
            writeln!(
                f,
                "  thinned for the time scale: {:.1} % of reports filed ({} arrivals not filed); fixes and readings every {} simulated min",
                100.0 * t.report_share,
                self.thinned,
                t.feed_stride_min
            )?;
        }
        let e = &self.enforcement;
        writeln!(
            f,
            "  enforcement files: {} opened ({} transferred from cases, {} decided on the spot), {} steps, {} archived, {} refused",
            e.opened, e.transferred, e.on_spot, e.steps, e.archived, e.errors
        )?;
        if self.skipped_min > 0 {
            writeln!(f, "  simulated minutes skipped (the service fell behind): {}", self.skipped_min)?;
        }
        write!(f, "  refused or failed requests: {}", self.errors)
    }
}

/// A scheduled step of a case.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Accept,
    Cancel,
    Register,
    Dispatch,
    Return,
    Feedback,
    Verify,
    Rework,
    Close,
}

#[derive(Debug, Clone)]
struct Tracked {
    plan: Plan,
    unit: Option<String>,
    returned: bool,
    reworked: bool,
}

/// The service as each role the simulator plays reaches it.
struct Roles {
    service: Service,
    acceptor: As,
    leader: As,
    dispatcher: As,
    inspector: As,
    gateway: As,
    units: HashMap<String, As>,
}

/// Run the simulation until its duration is reached or `stop` resolves.
pub async fn run(cfg: SimConfig, stop: impl std::future::Future<Output = ()>) -> anyhow::Result<Summary> {
    let service = Service::new(&cfg.server, &cfg.token)?;
    let health = service.health().await?;
    if let Some(speed) = cfg.speed
        && (health.time_scale - speed).abs() > 1e-6
    {
        anyhow::bail!(
            "the service runs at time scale {} but --speed {speed} was asked: start it with `cityops-server serve --time-scale {speed}` (or run it embedded with --simulate)",
            health.time_scale
        );
    }
    let city = match cfg.city.clone() {
        Some(city) => city,
        None => tokio::task::spawn_blocking(place::CityData::qingdao).await??,
    };
    let places = Places::new(&city);
    let fleet = fleet::Fleet::new(&city.ops, cfg.seed);
    drop(city);
    // The service's clock, reckoned from the health reading (the one scaled-clock formula).
    let real0 = Instant::now();
    let clock = cityops_api::ServiceClock::from_health(&health, 0.0);
    let sim0 = cityops_core::calendar::from_timestamp(health.now);
    let sim_now =
        || cityops_core::calendar::from_timestamp(clock.now(real0.elapsed().as_secs_f64() * 1000.0));
    let scale = clock.scale;
    let role = async |r: Role, label: &str| -> Result<As, ClientError> {
        Ok(service.as_role(&service.create_token(r, label).await?))
    };
    let mut tokens = Roles {
        acceptor: role(Role::Acceptor, "sim-acceptor").await?,
        leader: role(Role::ShiftLeader, "sim-shift-leader").await?,
        dispatcher: role(Role::Dispatcher, "sim-dispatcher").await?,
        inspector: role(Role::Inspector, "sim-inspector").await?,
        gateway: role(Role::Acceptor, "sim-feed-gateway").await?,
        units: HashMap::new(),
        service: service.clone(),
    };
    let mut desk = enforce::Desk::new(&service).await?;
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let mut summary = Summary { from: Some(sim0), ..Default::default() };
    let mut queue: BinaryHeap<Reverse<(NaiveDateTime, u64, i64, Step)>> = BinaryHeap::new();
    let mut cases: HashMap<i64, Tracked> = HashMap::new();
    let mut seq = 0u64;
    let mut last = sim0;
    let mut serial = 0u64;
    let mut last_progress = Instant::now();
    let feed_per_min = if cfg.trucks { fleet.trucks() as f64 } else { 0.0 }
        + if cfg.sensor_every_min > 0 {
            2.0 * fleet.sites() as f64 / f64::from(cfg.sensor_every_min)
        } else {
            0.0
        };
    let thin = model::thinning(scale, cfg.max_writes_per_sec, feed_per_min);
    summary.thinning = Some(thin);
    tracing::info!(from = %sim0, scale, seed = cfg.seed, "simulation started (synthetic data)");
    if thin.report_share < 1.0 || thin.feed_stride_min > 1 {
        tracing::info!(
            report_share = format!("{:.1} %", 100.0 * thin.report_share),
            feed_every_min = thin.feed_stride_min,
            budget_writes_per_s = cfg.max_writes_per_sec,
            "time scale {scale}× asks more than the write budget: the city is thinned (share of reports filed; truck fixes and sensor readings every few simulated minutes)"
        );
    }
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => break,
            _ = tokio::time::sleep(cfg.tick) => {}
        }
        let mut now = sim_now();
        if let Some(d) = cfg.duration
            && now > sim0 + d
        {
            now = sim0 + d;
        }
        // Fallen too far behind the service's clock (it cannot take the load): skip ahead rather
        // than replay an ever-growing backlog.
        let max_backlog = TimeDelta::milliseconds((MAX_BACKLOG_SECS * scale * 1000.0) as i64);
        if now - last > max_backlog {
            let skip = now - last - max_backlog;
            summary.skipped_min += u64::try_from(skip.num_minutes()).unwrap_or(0);
            tracing::warn!(
                skipped_min = skip.num_minutes(),
                "the simulation fell behind the service's clock; skipping ahead (synthetic data thinned)"
            );
            last += skip;
        }
        // New reports in [last, now).
        let mut n = model::arrivals(&mut rng, last, now);
        if thin.report_share < 1.0 {
            let kept = (0..n).filter(|_| rng.random::<f64>() < thin.report_share).count() as u64;
            summary.thinned += n - kept;
            n = kept;
        }
        let mut inspector = Vec::new();
        let mut hotline = Vec::new();
        let mut video = Vec::new();
        let mut citizen = Vec::new();
        for _ in 0..n {
            serial += 1;
            let ch = model::channel(&mut rng);
            let key = model::type_key(&mut rng, &places.matter_codes, &places.video_codes, ch);
            // A camera report needs a camera that sees a point on land; without one (never seen
            // in practice) the report becomes an inspector's.
            let (ch, camera, spot) = match ch {
                Channel::VideoAi => match places.sample_video(&mut rng) {
                    Some((cam, spot)) => (ch, cam, spot),
                    None => (Channel::Inspector, String::new(), places.sample(&mut rng, ch)),
                },
                _ => (ch, String::new(), places.sample(&mut rng, ch)),
            };
            *summary.reported.entry(ch).or_insert(0) += 1;
            let id = format!("SIM-{}-{serial:08}", cfg.seed);
            match ch {
                Channel::Inspector => inspector.push((
                    InspectorReportDto {
                        report_id: id,
                        inspector_id: format!("JDY{:04}", spot.inspector),
                        type_key: key,
                        lon: spot.lon,
                        lat: spot.lat,
                        description: "监督员巡查发现（模拟数据）".into(),
                        media: vec![format!("sim://photo/{serial}.jpg")],
                    },
                    spot.district,
                )),
                Channel::Hotline => hotline.push((
                    HotlineOrderDto {
                        order_no: id,
                        demand: if rng.random_bool(0.8) {
                            HotlineDemand::Complaint
                        } else {
                            HotlineDemand::Help
                        },
                        type_key: key,
                        lon: spot.lon,
                        lat: spot.lat,
                        address: String::new(),
                        description: "市民来电反映（模拟数据）".into(),
                    },
                    spot.district,
                )),
                Channel::VideoAi => video.push((
                    VideoDetectionDto {
                        detection_id: id,
                        camera_id: camera,
                        type_key: key,
                        confidence: rng.random_range(0.6..0.99),
                        lon: spot.lon,
                        lat: spot.lat,
                        snapshot: Some(format!("sim://snapshot/{serial}.jpg")),
                    },
                    spot.district,
                )),
                _ => citizen.push((key, spot)),
            }
        }
        // Officers on patrol find offences of their own (a share of the reports' rate).
        for _ in 0..n {
            if rng.random_bool(enforce::PATROL_PER_REPORT) {
                let spot = places.sample(&mut rng, Channel::Inspector);
                desk.patrol(&mut rng, spot.lon, spot.lat, now).await;
            }
        }
        let mut created: Vec<(i64, String)> = Vec::new();
        for chunk in inspector.chunks(500) {
            let (items, districts): (Vec<_>, Vec<_>) = chunk.iter().cloned().unzip();
            record(
                &mut summary,
                client::feed::<ep::FeedInspector>(&tokens.gateway, &items).await,
                districts,
                &mut created,
            );
        }
        for chunk in hotline.chunks(500) {
            let (items, districts): (Vec<_>, Vec<_>) = chunk.iter().cloned().unzip();
            record(
                &mut summary,
                client::feed::<ep::FeedHotline>(&tokens.gateway, &items).await,
                districts,
                &mut created,
            );
        }
        for chunk in video.chunks(500) {
            let (items, districts): (Vec<_>, Vec<_>) = chunk.iter().cloned().unzip();
            record(
                &mut summary,
                client::feed::<ep::FeedVideo>(&tokens.gateway, &items).await,
                districts,
                &mut created,
            );
        }
        for (key, spot) in citizen {
            match client::open311_post(
                &tokens.gateway,
                &key.code,
                spot.lon,
                spot.lat,
                "市民随手拍（模拟数据）",
            )
            .await
            {
                Ok(id) => {
                    summary.created += 1;
                    created.push((id, spot.district));
                }
                Err(e) => {
                    summary.errors += 1;
                    tracing::debug!(error = %e, "open311 report refused");
                }
            }
        }
        for (id, district) in created {
            let plan = model::plan(&mut rng);
            let first = if plan.cancel { Step::Cancel } else { Step::Accept };
            seq += 1;
            queue.push(Reverse((now + TimeDelta::minutes(plan.accept_after), seq, id, first)));
            cases.insert(id, Tracked { plan, unit: None, returned: false, reworked: false });
            summary.placed.push((id, district));
        }
        // Trucks and sensors, minute by minute (every few minutes when thinned).
        for minute in fleet::minutes_between(last, now) {
            let index = minute.and_utc().timestamp() / 60;
            if index % i64::from(thin.feed_stride_min) != 0 {
                continue;
            }
            if cfg.trucks {
                let fixes = fleet.fixes(minute);
                for chunk in fixes.chunks(1000) {
                    match client::feed::<ep::FeedGps>(&tokens.gateway, &chunk.to_vec()).await {
                        Ok(_) => summary.fixes += chunk.len() as u64,
                        Err(e) => {
                            summary.errors += 1;
                            tracing::warn!(error = %e, "GPS batch refused");
                        }
                    }
                }
            }
            if cfg.sensor_every_min > 0
                && i64::from(chrono::Timelike::minute(&minute)) % i64::from(cfg.sensor_every_min) == 0
            {
                let readings = fleet.readings(minute);
                for chunk in readings.chunks(1000) {
                    match client::feed::<ep::FeedSensor>(&tokens.gateway, &chunk.to_vec()).await {
                        Ok(_) => summary.readings += chunk.len() as u64,
                        Err(e) => {
                            summary.errors += 1;
                            tracing::warn!(error = %e, "sensor batch refused");
                        }
                    }
                }
            }
        }
        // Steps that are due.
        while let Some(Reverse((at, _, _, _))) = queue.peek() {
            if *at > now {
                break;
            }
            let Some(Reverse((_, _, id, step))) = queue.pop() else { break };
            let Some(t) = cases.get(&id).cloned() else { continue };
            match perform(&mut tokens, id, &step, &t).await {
                Ok(case) => {
                    let action = step_action(&step);
                    *summary.actions.entry(action).or_insert(0) += 1;
                    // A dispatched case of an enforcement type may go to the bureau instead
                    // (its feedback then comes from the penalty file).
                    if step == Step::Dispatch && !t.returned && desk.offer(&mut rng, &case, now) {
                        if let Some(c) = cases.get_mut(&id) {
                            c.unit = case.unit_code.clone();
                        }
                        continue;
                    }
                    let next = next_step(&step, &t, &case, now, &mut summary);
                    if let Some(c) = cases.get_mut(&id) {
                        if step == Step::Dispatch {
                            c.unit = case.unit_code.clone();
                        }
                        if step == Step::Return {
                            c.returned = true;
                        }
                        if step == Step::Rework {
                            c.reworked = true;
                        }
                    }
                    match next {
                        Some((at, s)) => {
                            seq += 1;
                            queue.push(Reverse((at, seq, id, s)));
                        }
                        None => {
                            cases.remove(&id);
                        }
                    }
                }
                Err(e) => {
                    summary.errors += 1;
                    tracing::debug!(case = id, ?step, error = %e, "step refused");
                    cases.remove(&id);
                }
            }
        }
        // The bureau's steps; cases whose files closed are verified in the loop.
        for id in desk.run_due(&mut rng, now).await {
            if let Some(t) = cases.get(&id) {
                seq += 1;
                queue.push(Reverse((now + TimeDelta::minutes(t.plan.verify_after), seq, id, Step::Verify)));
            }
        }
        last = now;
        if last_progress.elapsed() >= cfg.progress_every {
            last_progress = Instant::now();
            tracing::info!(
                sim_time = %now,
                created = summary.created,
                closed = summary.actions.get(&Action::Close).copied().unwrap_or(0),
                open_tracked = cases.len(),
                errors = summary.errors,
                skipped_min = summary.skipped_min,
                "simulation progress (synthetic)"
            );
        }
        if cfg.duration.is_some_and(|d| now >= sim0 + d) {
            break;
        }
    }
    summary.to = Some(last);
    summary.enforcement = desk.activity.clone();
    summary.overdue_at_end = client::overdue_count(&tokens.leader).await.unwrap_or(0);
    Ok(summary)
}

fn record(
    summary: &mut Summary,
    result: Result<cityops_api::IngestResultDto, ClientError>,
    districts: Vec<String>,
    created: &mut Vec<(i64, String)>,
) {
    match result {
        Ok(r) => {
            summary.created += u64::from(r.created);
            summary.ignored += u64::from(r.ignored);
            summary.merged += u64::from(r.merged);
            for (item, district) in r.items.into_iter().zip(districts) {
                if item.status == cityops_api::IngestStatus::Created
                    && let Some(id) = item.case_id
                {
                    created.push((id, district));
                }
            }
        }
        Err(e) => {
            summary.errors += 1;
            tracing::warn!(error = %e, "feed batch refused");
        }
    }
}

fn step_action(s: &Step) -> Action {
    match s {
        Step::Accept => Action::Accept,
        Step::Cancel => Action::Cancel,
        Step::Register => Action::Register,
        Step::Dispatch => Action::Dispatch,
        Step::Return => Action::Return,
        Step::Feedback => Action::Feedback,
        Step::Verify => Action::Verify,
        Step::Rework => Action::Rework,
        Step::Close => Action::Close,
    }
}

async fn perform(tokens: &mut Roles, id: i64, step: &Step, t: &Tracked) -> Result<CaseDto, ClientError> {
    let req = |a: Action| ActionRequest { action: a, unit_code: None, deadline: None, note: String::new() };
    match step {
        Step::Accept => client::act(&tokens.acceptor, id, &req(Action::Accept)).await,
        Step::Cancel => {
            client::act(
                &tokens.acceptor,
                id,
                &ActionRequest { note: "无效上报（模拟）".into(), ..req(Action::Cancel) },
            )
            .await
        }
        Step::Register => client::act(&tokens.leader, id, &req(Action::Register)).await,
        Step::Dispatch => {
            let p = client::proposal(&tokens.dispatcher, id).await?;
            // After a 回退 the dispatcher picks another unit.
            let unit = if t.returned {
                p.alternatives.first().map(|u| u.code.clone()).unwrap_or(p.unit.code)
            } else {
                p.unit.code
            };
            client::act(
                &tokens.dispatcher,
                id,
                &ActionRequest { unit_code: Some(unit), ..req(Action::Dispatch) },
            )
            .await
        }
        Step::Return | Step::Feedback => {
            let unit = t.unit.clone().unwrap_or_default();
            if !tokens.units.contains_key(&unit) {
                let tk = tokens.service.create_token(Role::Department, &unit).await?;
                tokens.units.insert(unit.clone(), tokens.service.as_role(&tk));
            }
            let Some(as_unit) = tokens.units.get(&unit) else { unreachable!("inserted above") };
            let a = if *step == Step::Return { Action::Return } else { Action::Feedback };
            let note =
                if a == Action::Return { "非本单位职责（模拟）" } else { "已处置（模拟）" };
            client::act(as_unit, id, &ActionRequest { note: note.into(), ..req(a) }).await
        }
        Step::Verify => client::act(&tokens.inspector, id, &req(Action::Verify)).await,
        Step::Rework => {
            client::act(
                &tokens.inspector,
                id,
                &ActionRequest { note: "核查未通过（模拟）".into(), ..req(Action::Rework) },
            )
            .await
        }
        Step::Close => client::act(&tokens.leader, id, &req(Action::Close)).await,
    }
}

fn next_step(
    step: &Step,
    t: &Tracked,
    case: &CaseDto,
    now: NaiveDateTime,
    summary: &mut Summary,
) -> Option<(NaiveDateTime, Step)> {
    let p = &t.plan;
    let m = TimeDelta::minutes;
    match step {
        Step::Accept => Some((now + m(p.register_after), Step::Register)),
        Step::Cancel | Step::Close => None,
        Step::Register => Some((now + m(p.dispatch_after), Step::Dispatch)),
        Step::Dispatch => {
            if let (Some(after), false) = (p.returned_after, t.returned) {
                return Some((now + m(after), Step::Return));
            }
            let deadline = case.deadline.map(cityops_core::calendar::from_timestamp).unwrap_or(now + m(240));
            let span = (deadline - now).num_seconds().max(600) as f64;
            if p.feedback_at > 1.0 {
                summary.late_feedbacks += 1;
            }
            Some((now + TimeDelta::seconds((span * p.feedback_at) as i64), Step::Feedback))
        }
        Step::Return => Some((now + m(10), Step::Dispatch)),
        Step::Feedback => {
            if p.rework_after.is_some() && !t.reworked {
                Some((now + m(p.verify_after), Step::Rework))
            } else {
                Some((now + m(p.verify_after), Step::Verify))
            }
        }
        Step::Rework => Some((now + m(p.rework_after.unwrap_or(60)), Step::Feedback)),
        Step::Verify => Some((now + m(p.close_after), Step::Close)),
    }
}
