//! The console's words in Chinese (default) and English, looked up by a typed key so a missing
//! translation is a compile error, plus English names for the wire vocabulary (whose Chinese
//! names live in `cityops-api`).

use cityops_api::{Action, CaseStatus, Channel, ErrorCode, LayerKind, Role, Stage, TimeUnit, TypeKind};

/// Display language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// 简体中文 (default).
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// The other language (for the toggle).
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    /// BCP 47 tag for `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// Parse a stored or query value (`zh`, `zh-CN`, `en`).
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "zh" | "zh-CN" | "zh-cn" => Some(Lang::Zh),
            "en" | "en-US" | "en-GB" => Some(Lang::En),
            _ => None,
        }
    }
}

macro_rules! messages {
    ($($key:ident => $zh:literal, $en:literal;)*) => {
        /// A message of the console.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[allow(missing_docs)]
        pub enum Msg { $($key,)* }

        impl Msg {
            /// Every message (for completeness tests).
            pub const ALL: &'static [Msg] = &[$(Msg::$key,)*];

            /// The text in a language.
            pub fn text(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $((Msg::$key, Lang::Zh) => $zh, (Msg::$key, Lang::En) => $en,)*
                }
            }
        }
    };
}

messages! {
    Title => "青岛市城市运行管理服务平台 · 指挥一张图", "Qingdao City Operations · Command Map";
    Layers => "图层", "Layers";
    DataAsOf => "数据截至", "Data as of";
    FeedQuiet => "数据源静默", "feed quiet";
    NoData => "暂无数据", "no data";
    Live => "实时", "Live";
    Connecting => "连接中", "Connecting";
    Reconnecting => "重连中", "Reconnecting";
    Disconnected => "已断开 · 显示断开前最后画面", "Disconnected · showing the last picture";
    NoServer => "未配置服务 · 仅显示本地底图", "No service configured · local base map only";
    LastEvent => "最后事件", "Last event";
    Search => "搜索 案件号 / 地址 / 摄像机编号", "Search case no. / address / camera id";
    Filters => "筛选", "Filters";
    District => "区(市)", "District";
    AllDistricts => "全部区市", "All districts";
    Class => "大类/小类编码", "Class / type code";
    StageL => "阶段", "Stage";
    AllStages => "全部阶段", "All stages";
    OverdueOnly => "仅超期(同时作用于地图)", "Overdue only (applies to the map too)";
    ChannelL => "来源渠道", "Channel";
    AllChannels => "全部渠道", "All channels";
    From => "起", "From";
    To => "止", "To";
    Apply => "查询", "Apply";
    Clear => "清除", "Clear";
    Results => "结果", "Results";
    Places => "地点", "Places";
    PlaceDistrict => "区(市)", "District";
    PlaceStreet => "街道/镇", "Street/town";
    PlaceCommunity => "社区/村", "Community/village";
    PlaceName => "地名", "Place";
    PlaceCamera => "摄像机", "Camera";
    NoHits => "没有匹配的地点或案件", "No matching place or case";
    ResultsNote => "按上报时间倒序,最多显示 50 条", "newest first, at most 50 shown";
    CaseNo => "案卷号", "Case no.";
    TypeL => "问题类型", "Type";
    Address => "事发位置", "Address";
    Grid => "单元网格", "Grid";
    Community => "社区/村", "Community";
    Street => "街道/镇", "Street";
    Status => "状态", "Status";
    Unit => "处置单位", "Handling unit";
    Media => "照片/视频截图", "Photos / snapshots";
    NoMedia => "无", "none";
    Cameras => "可视摄像机", "Cameras that can see it";
    CamerasUnknown => "摄像机视域查询暂不可用", "camera visibility lookup unavailable";
    History => "阶段记录", "Stage history";
    Deadline => "时限", "Deadline";
    TimeLeft => "剩余", "left";
    OverdueBy => "已超时", "overdue by";
    OnTime => "按期", "on time";
    Late => "超期", "late";
    Actions => "可执行操作", "Actions";
    NoActions => "当前角色无可执行操作", "No actions for your role";
    Dispatch => "派遣", "Dispatch";
    DispatchTitle => "派遣确认", "Confirm dispatch";
    ProposedUnit => "建议处置单位(网格 × 类别)", "Proposed unit (grid × category)";
    ProposedDeadline => "处置时限(立结案标准)", "Deadline (handling standard)";
    ProvisionalDeadline => "按法定节假日推算", "estimated from statutory holidays";
    Export => "导出", "Export";
    ExportNote => "按当前筛选条件导出案件(与列表相同的条件与权限范围,最多 100,000 件)为 GIS 文件", "Export the cases the current filter selects (same filters and scope as the list, up to 100,000) as a GIS file";
    Exported => "已导出", "Exported";
    OutboxPending => "离线待提交", "Waiting offline";
    Queued => "服务不可达,已离线排队:操作保存在本机,服务恢复后按顺序提交(只执行一次)", "Service unreachable: queued offline — the action is kept on this computer and sent in order, once, when the service is back";
    OutboxNote => "服务不可达时执行的操作保存在本机,服务恢复后按顺序提交(每项只执行一次)", "Actions taken while the service was unreachable are kept on this computer and sent in order when it is back (each applied once)";
    ProvisionalDeadlineNote => "该年份尚未加载国务院放假安排通知:时限按法定节假日(含补假)和周末推算,不含调休上班日。加载通知后,新计算的时限以通知为准。", "No State Council holiday notice is loaded for that year yet: the deadline counts the statutory holidays (with days given back) and weekends, without make-up working days. Deadlines computed after the notice is loaded follow it.";
    OtherUnit => "改派其他单位", "Pick another unit";
    Confirm => "确认", "Confirm";
    Queue => "待办", "Queue";
    QueueAll => "全部", "All";
    QueueEmpty => "没有待办案件", "Nothing waiting";
    QueueAsOf => "截至", "as of";
    QueueRule => "黄色=临期:已用时限的{share}%或剩余不足{hours}工作小时;红色=超期;剩余时间按工作时间计", "Yellow = due soon: {share}% of the limit used or under {hours} working hours left; red = overdue; time left in working time";
    QueueKeys => "j/k 上下 · Enter 打开 · x 标记 · a 批量办理 · Esc 关闭", "j/k up/down · Enter open · x mark · a batch step · Esc close";
    BatchNone => "所选案件没有可批量办理的步骤(派遣需选单位,结案需逐件确认)", "No batch step for the chosen cases (dispatch needs a unit, closing a confirmation each)";
    BatchDone => "已批量办理", "Batch done:";
    WorkingLeft => "剩余(工作时间)", "left (working time)";
    DueSoon => "临期", "due soon";
    OverdueNow => "已超期", "overdue";
    Reason => "原因", "Reason";
    WallTitle => "青岛市城市运行管理服务平台 · 一屏总览", "Qingdao City Operations · One-screen overview";
    WallAsOf => "数据截至", "Data as of";
    WallPinned => "已固定", "pinned";
    WallKeys => "1–7 切换场景 · P 固定 · +/− 每场景时长 · 空格 下一场景", "1–7 scene · P pin · +/− time per scene · Space next";
    WallEvery => "每场景", "each scene";
    WallReportsToday => "今日上报", "Reports today";
    WallOpen => "办理中", "Open";
    WallDueSoon => "临期", "Due soon";
    WallOverdue => "超期", "Overdue";
    WallClosedToday => "今日结案", "Closed today";
    WallCloseRate => "结案率 / 按期结案率(今日)", "Closure / on time (today)";
    WallTrucks => "在线收运车辆(10 分钟内)", "Trucks reporting (last 10 min)";
    WallAlerts => "告警(近 24 小时)", "Alerts (last 24 h)";
    WallWindow => "今日 00:00 至今(北京时间);办理中/临期/超期为当前数", "Today since 00:00 (China Standard Time); open / due soon / overdue are now";
    WallWindowReplay => "回放:光标当天 00:00 至光标(北京时间);办理中/临期/超期为光标时刻之数", "Replay: the cursor's day from 00:00 to the cursor (China Standard Time); open / due soon / overdue as they stood at the cursor";
    WallHourly => "今日每小时上报(件)", "Reports per hour today";
    WallChannels => "今日上报渠道(件)", "Reports today by channel";
    WallTopTypes => "今日高发问题类型(件)", "Most reported types today";
    WallDistricts => "各区(市)今日上报 / 办理中 / 超期(件)", "Districts: reports today / open / overdue";
    WallRanking => "区(市)综合评价(近 7 日,GB/T 30428.4)", "District ranking (last 7 days, GB/T 30428.4)";
    WallRouteAlerts => "收运告警(偏离路线 / 漏收 / 超时)", "Collection alerts (off route / missed / late)";
    WallSiteAlerts => "工地告警(扬尘 / 噪声)", "Site alerts (dust / noise)";
    WallVideo => "视频智能发现(今日,件)", "Video-AI detections today";
    WallNone => "暂无", "none";
    WallTicker => "最新上报", "Newest reports";
    Evaluation => "综合评价", "Evaluation";
    EvalBack => "返回全市", "Back to the city";
    ReplayDay => "近24小时", "Last 24 h";
    ReplayWeek => "近7天", "Last 7 days";
    ReplayLive => "回到实时 (T)", "Back to live (T)";
    ReplayLiveNote => "结束回放,地图回到实时", "End the replay: the map is live again";
    ReplayFromReport => "回放上报时刻", "Replay from its report";
    ReplayPrevEvent => "上一事件", "Previous event";
    ReplayNextEvent => "下一事件", "Next event";
    ReplayStepNote => "跳到上一个/下一个案件变化或告警(车辆定位不计)", "Jump to the previous/next case change or alert (vehicle fixes not counted)";
    ReplayNoEvent => "该方向一小时内没有案件变化或告警", "No case change or alert that way within the hour";
    ReplayFrames => "画面", "Frames";
    WallReplayNote => "过去24小时在本场景时长内播放完:地图、左侧指标和滚动条都是光标时刻的情况(指标为光标当天0点至光标)", "The last 24 hours played within this scene: the map, the figures on the left and the ticker are as they stood at the cursor (figures: from the cursor's midnight to the cursor)";
    WallReplaySpeed => "播放速度(服务时间秒/实际秒)", "Speed (service seconds per real second)";
    ReplayFramesNote => "回放以来:整帧加载次数 / 由事件增量推进的次数", "Since replay began: full pictures loaded / moves made by applying events";
    ExportBriefing => "导出简报(PDF)", "Export briefing (PDF)";
    BriefingNote => "按所选时段生成领导简报:指标与上期对比、趋势、排名、时段末一张图、超期案件(A4,PDF)", "The leadership briefing of the chosen period: figures against the previous period, trend, ranking, the map at the period's end, overdue cases (A4 PDF)";
    BriefingBusy => "正在生成简报…", "Making the briefing…";
    BriefingSaved => "简报已保存:", "Briefing saved:";
    EvalToday => "今日", "Today";
    EvalWeek => "本周", "This week";
    EvalMonth => "本月", "This month";
    EvalCustom => "自定义", "Custom";
    EvalPickPeriod => "请选择起止日期", "Pick the first and last day";
    EvalWindow => "时间窗", "Period";
    EvalName => "名称", "Name";
    EvalComposite => "综合得分(等级)", "Composite (grade)";
    EvalTrend => "较上期", "vs before";
    EvalRegistered => "立案数", "Registered";
    EvalCloseRate => "结案率", "Closure";
    EvalOnTimeClose => "按期结案率", "On-time closure";
    EvalOnTimeHandle => "按期处置率", "On-time handling";
    EvalRework => "返工率", "Rework";
    EvalReports => "上报数", "Reports";
    EvalActive => "主动", "active";
    EvalPassive => "被动", "passive";
    EvalAutomatic => "自动", "automatic";
    EvalDispatchTime => "平均派遣用时(上报→派遣)", "Mean time to dispatch (report → dispatch)";
    EvalHandlingTime => "平均处置用时(派遣→反馈)", "Mean handling time (dispatch → feedback)";
    EvalDistricts => "区(市)排名", "Districts ranked";
    EvalStreets => "街道排名(点击区名下钻)", "Streets ranked";
    EvalUnits => "处置单位排名(前 15)", "Units ranked (top 15)";
    EvalNote => "按 GB/T 30428.4 计算:比率为上报/立案于时间窗内的案件,综合得分 0–100,A≥90 B≥75 C≥60 D≥40;较上期为与上一同长时段的综合得分差(分)。点击区(市)行查看其街道和单位。", "Computed per GB/T 30428.4 over the cases of the period; composite 0–100, A≥90 B≥75 C≥60 D≥40; 'vs before' is the composite's change in points against the previous period of the same length. Click a district to see its streets and units.";
    Duplicates => "疑似重复案件", "Likely duplicates";
    DuplicatesNote => "{m} 米范围内、{h} 小时内先行上报的同类或相关类案件(按距离排序)", "Earlier reports of the same or a related type within {m} m and {h} hours (nearest first)";
    NoDuplicates => "未发现疑似重复", "No likely duplicate";
    SameType => "同类", "same type";
    RelatedType => "相关类", "related type";
    MergeInto => "合并到此案", "Merge into this case";
    Merged => "已合并至", "Merged into";
    NewDeadline => "新的时限(北京时间)", "New deadline (China Standard Time)";
    ReasonNeeded => "请填写原因", "Please give the reason";
    DeadlineNeeded => "请填写新的时限", "Please give the new deadline";
    WorkingOver => "超期(工作时间)", "overdue (working time)";
    Cancel => "取消", "Cancel";
    Note => "备注", "Note";
    Settings => "设置", "Settings";
    ServerUrl => "服务地址", "Service URL";
    Token => "访问令牌", "Token";
    Save => "保存并连接", "Save and connect";
    CurrentService => "当前服务", "Current service";
    EmbeddedService => "内置服务(本机 SQLite,合成青岛数据)", "Embedded service (local SQLite, synthetic Qingdao)";
    RemoteService => "远程服务", "Remote service";
    UseEmbedded => "切换到内置服务", "Use the embedded service";
    Checking => "正在检查服务与令牌…", "Checking the service and token…";
    SwitchNote => "切换后地图与实时事件从新服务重新加载", "The map and live events reload from the new service";
    Language => "English", "中文";
    Shortcuts => "快捷键", "Shortcuts";
    Synthetic => "合成数据(演示用,非真实案件)", "Synthetic data (demo, not real cases)";
    SyntheticGeo => "街道/社区/网格边界为合成数据", "street/community/grid boundaries are synthetic";
    Cursor => "光标", "Cursor";
    ZoomL => "缩放级别", "Zoom";
    Loading => "加载中…", "Loading…";
    Close => "关闭", "Close";
    ClusterNote => "环形聚合:红=超期 黄=临期 蓝=办理中 灰=已结案;中心数字为案件数", "Donut clusters: red = overdue, yellow = due soon, blue = open, grey = closed; centre = number of cases";
    StageLegend => "案件按阶段着色,临期为黄色,超期为红色", "Cases coloured by stage, yellow when due soon, red when overdue";
    StaleNote => "琥珀色:该图层数据超过阈值未更新", "Amber: the layer has not updated within its threshold";
    Error => "错误", "Error";
    Created => "上报时间", "Reported";
    Description => "描述", "Description";
    Locate => "位置查询", "Location";
    Help => "帮助", "Help";
    Vehicles => "车辆(实时)", "Vehicles (live)";
    Alerts => "告警(实时)", "Alerts (live)";
    AlertsReplayed => "告警(回放,至光标)", "Alerts (replayed, up to the cursor)";
    Speed => "速度 km/h", "Speed km/h";
    Reset => "全市视图", "Whole city";
    Items => "个要素", "features";
    FilterActive => "高亮:筛选条件生效中", "Highlighted: a filter is active";
    AlertsNote => "最近 6 条,点击定位", "latest 6, click to locate";
    StaticLayer => "登记数据(随服务启动加载)", "register data (loaded at service start)";
    NotServed => "勾选后从服务加载", "loaded from the service when ticked";
    Truncated => "已达显示上限,放大查看更多", "item budget reached; zoom in for more";
    ZoomNote => "Web 墨卡托缩放级别:每升 1 级比例放大 2 倍(z 级时全球宽 256×2^z 像素)", "Web-Mercator zoom: each level doubles the scale (the world is 256×2^z px wide at zoom z)";
    SimTime => "模拟时钟", "Simulated clock";
    ClockNote => "服务时钟(北京时间 UTC+8);时限、剩余时间与数据时效均按此计算", "Service clock (China Standard Time, UTC+8); deadlines, time left and feed freshness use it";
    ViewportNote => "视窗内要素数(服务端聚合后)", "features in view (after server-side clustering)";
    EnfFile => "执法案卷", "Penalty file";
    EnfParty => "当事人", "Party";
    EnfMatter => "执法事项", "Enforcement matter";
    EnfLimits => "法定时限", "Statutory limits";
    EnfTimeline => "办案环节", "Steps taken";
    EnfEvidence => "证据", "Evidence";
    EnfDocuments => "文书", "Documents";
    EnfNoDocuments => "尚无文书", "No document issued yet";
    EnfNoLimits => "无进行中的时限", "No limit running";
    EnfTransfer => "移送执法", "Transfer to enforcement";
    EnfTransferNote => "案件的位置、照片与处置经过随案移送;执法结案后结果反馈本案,待核查结案", "The case's place, photos and history go with it; when the file closes its outcome comes back to this case for verification";
    EnfNoMatter => "此类问题无对应执法事项", "No enforcement matter follows from this type";
    EnfFacts => "违法事实", "Facts";
    EnfPartyName => "当事人名称", "Party's name";
    EnfCitizen => "公民", "Citizen";
    EnfOrganisation => "法人或其他组织", "Organisation";
    EnfFine => "罚款(元)", "Fine (yuan)";
    EnfLevel => "裁量等级", "Discretion level";
    EnfQuantity => "计罚基数(面积/工程造价/违法所得)", "Quantity (area, cost or gain)";
    EnfOfficers => "执法人员:姓名 执法证号,每行一人(至少两人)", "Officers: name and certificate number, one a line (two at least)";
    EnfKind => "证据类型", "Evidence kind";
    EnfContent => "内容", "Content";
    EnfCorrectBy => "限期改正至", "Correct by";
    EnfService => "送达方式", "Service method";
    EnfPaid => "缴纳金额(元)", "Amount paid (yuan)";
    EnfExtendDays => "延长天数(1–30)", "Days added (1–30)";
    EnfFromCase => "来源案卷", "From case";
    EnfMajor => "重大案件:须法制审核、集体讨论", "Major case: legal review and collective discussion";
    EnfHearing => "当事人享有听证权", "The party may ask for a hearing";
    EnfFromCaseEvidence => "随案移送", "came with the case";
    WallEnfOpen => "在办案卷", "Open files";
    WallEnfDueSoon => "临期案卷", "Files due soon";
    WallEnfOverdue => "超期案卷", "Files overdue";
    WallEnfClosed => "结案(近30日)", "Closed (last 30 days)";
    WallEnfFines => "罚款决定(近30日,元)", "Fines decided (last 30 days, yuan)";
    WallEnfDays => "平均每环节用时(日,近30日结案)", "Days per step (files closed, last 30 days)";
    WallEnfBaseline => "基准:纸质程序按法定时限用满推算", "Baseline: paper procedure with the statutory limits used in full";
    WallEnfStages => "在办案卷按环节", "Open files by step";
    WallEnfNote => "执法案卷为模拟数据;时限按《行政处罚法》工作日与自然日规则计算", "Penalty files are synthetic; limits count working and natural days as the Administrative Penalty Law does";
}

/// Name of a work-queue bucket.
pub fn bucket(b: cityops_api::QueueBucket, lang: Lang) -> &'static str {
    if lang == Lang::Zh { b.zh() } else { bucket_en(b) }
}

/// English name of a work-queue bucket.
pub fn bucket_en(b: cityops_api::QueueBucket) -> &'static str {
    use cityops_api::QueueBucket as B;
    match b {
        B::Accept => "To accept",
        B::Register => "To register",
        B::Dispatch => "To dispatch",
        B::Handling => "Handling",
        B::Verify => "To verify",
        B::Close => "To close",
    }
}

/// English name of a stage (Chinese from [`Stage::zh`]).
pub fn stage(s: Stage, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => s.zh(),
        Lang::En => s.en(),
    }
}

/// Name of an action.
pub fn action(a: Action, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => a.zh(),
        Lang::En => match a {
            Action::Accept => "Accept",
            Action::Register => "Register",
            Action::Dispatch => "Dispatch",
            Action::Feedback => "Report handled",
            Action::Verify => "Verify",
            Action::Close => "Close",
            Action::Return => "Return",
            Action::Postpone => "Postpone",
            Action::Suspend => "Suspend",
            Action::Resume => "Resume",
            Action::Cancel => "Cancel case",
            Action::Rework => "Rework",
            Action::Supervise => "Supervise",
            Action::Merge => "Merge duplicate",
        },
    }
}

/// Name of a channel.
pub fn channel(c: Channel, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => c.zh(),
        Lang::En => match c {
            Channel::Inspector => "Inspector patrol",
            Channel::Citizen => "Citizen report",
            Channel::Hotline => "12345 hotline",
            Channel::VideoAi => "Video AI",
            Channel::Sensor => "IoT sensor",
        },
    }
}

/// Name of a layer.
pub fn layer(l: LayerKind, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => l.zh(),
        Lang::En => match l {
            LayerKind::Cases => "Cases",
            LayerKind::Compounds => "Compounds",
            LayerKind::Routes => "Collection routes",
            LayerKind::Trucks => "Trucks",
            LayerKind::Facilities => "Waste facilities",
            LayerKind::Sites => "Construction sites",
            LayerKind::Cameras => "Cameras",
            LayerKind::Alerts => "Alerts",
            LayerKind::Grids => "Unit grids",
            LayerKind::Enforcement => "Penalty files",
        },
    }
}

/// Name of a case status.
pub fn case_status(s: CaseStatus, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => s.zh(),
        Lang::En => match s {
            CaseStatus::Active => "Active",
            CaseStatus::Suspended => "Suspended",
            CaseStatus::Cancelled => "Cancelled",
            CaseStatus::Closed => "Closed",
        },
    }
}

/// Name of a role.
pub fn role(r: Role, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => r.zh(),
        Lang::En => match r {
            Role::Inspector => "Inspector",
            Role::Acceptor => "Acceptor",
            Role::ShiftLeader => "Shift leader",
            Role::Dispatcher => "Dispatcher",
            Role::Department => "Department",
            Role::Leader => "Leader",
            Role::Admin => "Administrator",
            Role::LawOfficer => "Law-enforcement officer",
            Role::LegalReviewer => "Legal reviewer",
            Role::EnforcementChief => "Enforcement chief",
        },
    }
}

/// Name of a penalty file's stage.
pub fn enf_stage(s: cityops_api::EnfStage, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => s.zh(),
        Lang::En => s.en(),
    }
}

/// Name of a step of the penalty procedure.
pub fn enf_action(a: cityops_api::EnfAction, lang: Lang) -> &'static str {
    use cityops_api::EnfAction as A;
    match lang {
        Lang::Zh => a.zh(),
        Lang::En => match a {
            A::Register => "Register lead",
            A::File => "File (approve)",
            A::Withdraw => "Withdraw",
            A::DecideOnSpot => "Decide on the spot",
            A::AddEvidence => "Add evidence",
            A::OrderCorrection => "Order correction",
            A::Propose => "Submit for review",
            A::Approve => "Approve",
            A::SendBack => "Send back",
            A::Discuss => "Collective discussion",
            A::Notify => "Serve prior notice",
            A::RecordStatement => "Record statement",
            A::RequestHearing => "Hearing requested",
            A::HoldHearing => "Hold hearing",
            A::EndNotice => "End notice period",
            A::Decide => "Decide",
            A::NoPenalty => "No penalty",
            A::Serve => "Serve decision",
            A::RecordPayment => "Record payment",
            A::Enforce => "Compulsory execution",
            A::Close => "Close",
            A::Archive => "Archive",
            A::Suspend => "Suspend",
            A::Resume => "Resume",
            A::Extend => "Extend",
        },
    }
}

/// Name of a document of a penalty file.
pub fn doc_kind(k: cityops_api::DocKind, lang: Lang) -> &'static str {
    use cityops_api::DocKind as K;
    match lang {
        Lang::Zh => k.zh(),
        Lang::En => match k {
            K::FilingApproval => "Filing approval form",
            K::InterviewRecord => "Interview record",
            K::CorrectionOrder => "Order to correct",
            K::PriorNotice => "Prior notice of penalty",
            K::Decision => "Penalty decision",
            K::ServiceReceipt => "Proof of service",
            K::ClosingReport => "Closing report",
        },
    }
}

/// Name of a type kind (部件 component / 事项 matter).
pub fn type_kind(k: TypeKind, lang: Lang) -> &'static str {
    match (lang, k) {
        (Lang::Zh, k) => k.zh(),
        (Lang::En, TypeKind::Component) => "Component",
        (Lang::En, TypeKind::Matter) => "Matter",
    }
}

/// Name of a time unit.
pub fn time_unit(u: TimeUnit, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => u.zh(),
        Lang::En => match u {
            TimeUnit::WorkingHours => "working hours",
            TimeUnit::WorkingDays => "working days",
            TimeUnit::ClockHours => "hours",
            TimeUnit::ClockMinutes => "minutes",
        },
    }
}

/// A service error explained by its code (the service's message is English and shown as detail).
pub fn error_code(c: ErrorCode, lang: Lang) -> &'static str {
    let (zh, en) = match c {
        ErrorCode::MalformedRequest => ("请求格式错误", "Malformed request"),
        ErrorCode::InvalidField => ("字段取值无效", "Invalid field"),
        ErrorCode::UnknownCategory => ("未知问题类型", "Unknown category"),
        ErrorCode::OutsideCity => ("位置不在青岛陆域内", "Outside Qingdao's land area"),
        ErrorCode::IllegalTransition => ("当前阶段不允许该操作", "Not allowed in the current stage"),
        ErrorCode::Unauthenticated => ("未登录或令牌无效", "Not signed in or invalid token"),
        ErrorCode::Forbidden => ("无权执行", "Forbidden for your role"),
        ErrorCode::NotFound => ("不存在", "Not found"),
        ErrorCode::Conflict => ("已被他人修改,请刷新", "Changed by someone else; refresh"),
        ErrorCode::Internal => ("服务内部错误", "Internal service error"),
        ErrorCode::Unavailable => ("服务不可用", "Service unavailable"),
        ErrorCode::CalendarUnavailable => ("该年份无工作日历", "No working calendar for that year"),
        ErrorCode::PayloadTooLarge => ("提交内容过大", "Request too large"),
        ErrorCode::NotConfirmed => ("未确认,操作未执行", "Not confirmed: nothing was done"),
        ErrorCode::OutsideHistory => ("超出保留的历史范围", "Before the history kept"),
        ErrorCode::Queued => ("服务不可达,已离线排队", "Service unreachable: queued offline"),
        _ => ("错误", "Error"),
    };
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_has_both_languages() {
        for m in Msg::ALL {
            assert!(!m.text(Lang::Zh).is_empty(), "{m:?}");
            assert!(!m.text(Lang::En).is_empty(), "{m:?}");
            if *m == Msg::Language {
                continue; // the toggle is labelled in the other language
            }
            // Chinese text carries at least one CJK character; English none.
            let cjk = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
            assert!(cjk(m.text(Lang::Zh)), "{m:?}");
            assert!(!cjk(m.text(Lang::En)), "{m:?}");
        }
    }

    #[test]
    fn the_toggle_label_names_the_other_language() {
        assert_eq!(Msg::Language.text(Lang::Zh), "English");
        assert_eq!(Msg::Language.text(Lang::En), "中文");
        assert_eq!(Lang::Zh.other(), Lang::En);
        assert_eq!(Lang::parse("zh-CN"), Some(Lang::Zh));
        assert_eq!(Lang::parse("fr"), None);
    }

    #[test]
    fn vocabulary_has_english_names() {
        assert_eq!(stage(Stage::Handle, Lang::En), "Handling");
        assert_eq!(stage(Stage::Handle, Lang::Zh), "任务处理");
        assert_eq!(action(Action::Dispatch, Lang::Zh), "派遣");
        assert_eq!(channel(Channel::VideoAi, Lang::En), "Video AI");
        assert_eq!(layer(LayerKind::Sites, Lang::Zh), "建筑工地");
        assert_eq!(error_code(ErrorCode::Forbidden, Lang::Zh), "无权执行");
    }
}
