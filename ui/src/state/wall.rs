//! The command hall's wall (一屏总览 on a video wall): its scenes, the rotation an operator can pin,
//! jump or slow down from the keyboard, and the page parameters that turn it on. No pointer needed.

use cityops_api::LayerKind;

use crate::i18n::Lang;

/// One scene: a map view with its layers and its panels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scene {
    /// 总览: all cases by district, today's figures.
    Overview,
    /// 垃圾分类: compounds, routes, trucks, facilities, route alerts.
    Waste,
    /// 建筑工地: the sites with their dust and noise alerts.
    Sites,
    /// 视频监控: cameras and the video-AI detections today.
    Video,
    /// 综合评价: the district ranking.
    Evaluation,
    /// 24小时回放: the last 24 hours played over the scene's time, the figures following.
    Replay,
    /// 执法办案: open penalty files by step, due soon and overdue, days per step.
    Enforcement,
}

impl Scene {
    /// Every scene, in rotation order.
    pub const ALL: [Scene; 7] = [
        Scene::Overview,
        Scene::Waste,
        Scene::Sites,
        Scene::Video,
        Scene::Evaluation,
        Scene::Replay,
        Scene::Enforcement,
    ];

    /// Title on the wall.
    pub fn title(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Scene::Overview, Lang::Zh) => "总览",
            (Scene::Waste, Lang::Zh) => "垃圾分类",
            (Scene::Sites, Lang::Zh) => "建筑工地",
            (Scene::Video, Lang::Zh) => "视频监控",
            (Scene::Evaluation, Lang::Zh) => "综合评价",
            (Scene::Replay, Lang::Zh) => "24小时回放",
            (Scene::Enforcement, Lang::Zh) => "执法办案",
            (Scene::Overview, Lang::En) => "Overview",
            (Scene::Waste, Lang::En) => "Waste sorting",
            (Scene::Sites, Lang::En) => "Construction sites",
            (Scene::Video, Lang::En) => "Video surveillance",
            (Scene::Evaluation, Lang::En) => "Evaluation",
            (Scene::Replay, Lang::En) => "Last 24 h replayed",
            (Scene::Enforcement, Lang::En) => "Law enforcement",
        }
    }

    /// Short name for screenshots and element ids.
    pub fn slug(self) -> &'static str {
        match self {
            Scene::Overview => "overview",
            Scene::Waste => "waste",
            Scene::Sites => "sites",
            Scene::Video => "video",
            Scene::Evaluation => "evaluation",
            Scene::Replay => "replay",
            Scene::Enforcement => "enforcement",
        }
    }

    /// The map layers the scene shows (all visible at city zoom).
    pub fn layers(self) -> &'static [LayerKind] {
        match self {
            Scene::Overview => &[LayerKind::Cases, LayerKind::Alerts],
            Scene::Waste => &[
                LayerKind::Compounds,
                LayerKind::Routes,
                LayerKind::Trucks,
                LayerKind::Facilities,
                LayerKind::Alerts,
            ],
            Scene::Sites => &[LayerKind::Sites, LayerKind::Alerts],
            Scene::Video => &[LayerKind::Cameras, LayerKind::Cases],
            Scene::Evaluation => &[LayerKind::Cases],
            Scene::Replay => &[LayerKind::Cases, LayerKind::Trucks, LayerKind::Alerts],
            Scene::Enforcement => &[LayerKind::Enforcement],
        }
    }
}

/// The rotation: which scene shows, for how long each, and whether an operator pinned it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rotation {
    /// Index in [`Scene::ALL`].
    pub current: usize,
    /// Seconds each scene shows.
    pub seconds: u32,
    /// Pinned: no rotation.
    pub pinned: bool,
    /// Seconds the current scene has shown.
    pub shown: u32,
}

/// Shortest and longest time a scene shows.
pub const SCENE_SECONDS: (u32, u32) = (5, 600);

impl Rotation {
    /// Starting at the first scene.
    pub fn new(seconds: u32) -> Rotation {
        Rotation {
            current: 0,
            seconds: seconds.clamp(SCENE_SECONDS.0, SCENE_SECONDS.1),
            pinned: false,
            shown: 0,
        }
    }

    /// The scene showing.
    pub fn scene(&self) -> Scene {
        Scene::ALL.get(self.current).copied().unwrap_or(Scene::Overview)
    }

    /// One second passed; true when the scene changed.
    pub fn tick(&mut self) -> bool {
        if self.pinned {
            return false;
        }
        self.shown += 1;
        if self.shown >= self.seconds {
            self.next();
            return true;
        }
        false
    }

    /// The next scene (restarting its time).
    pub fn next(&mut self) {
        self.current = (self.current + 1) % Scene::ALL.len();
        self.shown = 0;
    }

    /// Jump to scene `n` (0-based); out of range: nothing.
    pub fn jump(&mut self, n: usize) -> bool {
        if n >= Scene::ALL.len() {
            return false;
        }
        self.current = n;
        self.shown = 0;
        true
    }

    /// Apply a wall key: `1`–`7` jump, `p` pins or unpins, `+`/`-` show each scene 10 s longer or
    /// shorter, space or `n` goes on. Returns whether the key was the wall's.
    pub fn key(&mut self, key: &str) -> bool {
        match key {
            "p" | "P" => self.pinned = !self.pinned,
            "+" | "=" => self.seconds = (self.seconds + 10).min(SCENE_SECONDS.1),
            "-" | "_" => self.seconds = self.seconds.saturating_sub(10).max(SCENE_SECONDS.0),
            " " | "n" | "N" => self.next(),
            k => {
                let Some(n) = k.parse::<usize>().ok().filter(|n| *n >= 1) else { return false };
                return self.jump(n - 1);
            }
        }
        true
    }
}

/// Wall mode from the page's parameters: `wall=1` turns it on, `scene_seconds=N` (default 30)
/// sets the rotation. `None`: the ordinary console.
pub fn wall_params(params: &[(String, String)]) -> Option<u32> {
    let on = params.iter().any(|(k, v)| k == "wall" && matches!(v.as_str(), "1" | "true" | "yes"));
    if !on {
        return None;
    }
    let seconds = params
        .iter()
        .find(|(k, _)| k == "scene_seconds")
        .and_then(|(_, v)| v.parse::<u32>().ok())
        .unwrap_or(30);
    Some(seconds.clamp(SCENE_SECONDS.0, SCENE_SECONDS.1))
}

/// The replay scene's speed: the last 24 hours played over `seconds` (service seconds per real
/// second; at least ×60).
pub fn replay_speed(seconds: u32) -> u32 {
    (86_400 / seconds.max(1)).max(60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rotation_moves_on_pins_jumps_and_changes_pace() {
        let mut r = Rotation::new(3);
        assert_eq!(r.seconds, 5, "at least five seconds a scene");
        for _ in 0..4 {
            assert!(!r.tick());
        }
        assert!(r.tick());
        assert_eq!(r.scene(), Scene::Waste);
        assert!(r.key("p") && r.pinned);
        for _ in 0..100 {
            assert!(!r.tick(), "pinned");
        }
        assert!(r.key("4"));
        assert_eq!(r.scene(), Scene::Video);
        assert!(!r.key("9") && !r.key("0") && !r.key("x"));
        assert_eq!(r.scene(), Scene::Video);
        r.key("+");
        assert_eq!(r.seconds, 15);
        r.key("-");
        r.key("-");
        assert_eq!(r.seconds, 5);
        r.key(" ");
        assert_eq!(r.scene(), Scene::Evaluation);
        r.key("n");
        assert_eq!(r.scene(), Scene::Replay);
        r.key("n");
        assert_eq!(r.scene(), Scene::Enforcement);
        r.key("n");
        assert_eq!(r.scene(), Scene::Overview, "round again");
        assert!(r.key("7"));
        assert_eq!(r.scene(), Scene::Enforcement);
        // The replay scene plays a day within its time: ×2880 at 30 s a scene.
        assert_eq!((replay_speed(30), replay_speed(600), replay_speed(100_000)), (2880, 144, 60));
    }

    #[test]
    fn wall_mode_comes_from_the_page_parameters() {
        let p = |s: &str| crate::state::page_params(s);
        assert_eq!(wall_params(&p("?wall=1")), Some(30));
        assert_eq!(wall_params(&p("?wall=1&scene_seconds=12")), Some(12));
        assert_eq!(wall_params(&p("?wall=1&scene_seconds=1")), Some(5));
        assert_eq!(wall_params(&p("?server=x&token=y")), None);
        assert_eq!(wall_params(&p("?wall=0")), None);
    }

    #[test]
    fn every_scene_shows_layers_and_has_a_name() {
        for s in Scene::ALL {
            assert!(!s.layers().is_empty());
            assert!(!s.title(Lang::Zh).is_empty() && !s.slug().is_empty());
        }
    }
}
