//! The limits of every field that arrives from outside, checked whole before anything is written:
//! text lengths and characters (no NUL or other control characters — PostgreSQL refuses NUL, and
//! none belongs in a report), identifiers, media references, finite numbers in their physical
//! range, and plausible times. Each failure names the field (and, in a batch, the item).

use cityops_api::{
    ActionRequest, GpsFixDto, HotlineOrderDto, InspectorReportDto, NewCaseDto, NewTokenDto, ReporterDto,
    SensorReadingDto, Timestamp, VideoDetectionDto,
};

use crate::error::{AppError, AppResult};

/// Longest description or note (Open311 allows 4000 characters).
pub const MAX_DESCRIPTION: usize = 4000;
/// Longest address (GB/T 47678.5 事发位置).
pub const MAX_ADDRESS: usize = 256;
/// Most media references on one report.
pub const MAX_MEDIA: usize = 20;
/// Longest media reference (a URL or a storage key).
pub const MAX_MEDIA_REF: usize = 512;
/// Longest identifier (source ids, camera, sensor, vehicle, inspector, unit ids).
pub const MAX_ID: usize = 128;
/// Longest name or contact field of a reporter.
pub const MAX_PERSONAL: usize = 128;
/// How far behind the service clock a reading or fix may be (a gateway replaying after an outage).
pub const MAX_AGE_DAYS: i64 = 30;
/// How far ahead of the service clock a reading or fix may be (clock skew).
pub const MAX_AHEAD_MINUTES: i64 = 10;

/// Free text of at most `max` characters: line breaks and tabs allowed, no other control
/// characters.
pub fn text(field: &str, value: &str, max: usize) -> AppResult<()> {
    let n = value.chars().count();
    if n > max {
        return Err(AppError::invalid(format!("{field} is {n} characters; at most {max}")));
    }
    if let Some(c) = value.chars().find(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(AppError::invalid(format!(
            "{field} contains the control character U+{:04X}",
            u32::from(c)
        )));
    }
    Ok(())
}

/// An identifier: 1..=`max` characters, no white space or control characters.
pub fn ident(field: &str, value: &str, max: usize) -> AppResult<()> {
    let n = value.chars().count();
    if n == 0 || n > max {
        return Err(AppError::invalid(format!("{field} must be 1..={max} characters, got {n}")));
    }
    if value.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(AppError::invalid(format!(
            "{field} {value:?} contains white space or control characters"
        )));
    }
    Ok(())
}

/// An optional identifier.
pub fn opt_ident(field: &str, value: Option<&str>, max: usize) -> AppResult<()> {
    value.map_or(Ok(()), |v| ident(field, v, max))
}

/// Media references: at most [`MAX_MEDIA`], each an identifier of at most [`MAX_MEDIA_REF`].
pub fn media(field: &str, refs: &[String]) -> AppResult<()> {
    if refs.len() > MAX_MEDIA {
        return Err(AppError::invalid(format!("{field}: {} references; at most {MAX_MEDIA}", refs.len())));
    }
    refs.iter().enumerate().try_for_each(|(i, r)| ident(&format!("{field}[{i}]"), r, MAX_MEDIA_REF))
}

/// A finite number within `range`, with its unit in the message.
pub fn number(field: &str, value: f64, range: std::ops::RangeInclusive<f64>, unit: &str) -> AppResult<()> {
    if value.is_finite() && range.contains(&value) {
        Ok(())
    } else {
        Err(AppError::invalid(format!(
            "{field} = {value} is outside {}..={} {unit}",
            range.start(),
            range.end()
        )))
    }
}

/// A time of an observation: not more than [`MAX_AGE_DAYS`] before the service's now nor more
/// than [`MAX_AHEAD_MINUTES`] after it.
pub fn observed_at(field: &str, at: Timestamp, now: Timestamp) -> AppResult<()> {
    let earliest = now - chrono::Duration::days(MAX_AGE_DAYS);
    let latest = now + chrono::Duration::minutes(MAX_AHEAD_MINUTES);
    if at < earliest || at > latest {
        return Err(AppError::invalid(format!(
            "{field} = {} is not plausible: the service's clock says {}; times {MAX_AGE_DAYS} days back to \
             {MAX_AHEAD_MINUTES} minutes ahead are accepted",
            at.to_rfc3339(),
            now.to_rfc3339()
        )));
    }
    Ok(())
}

/// A reporter's identity.
pub fn reporter(r: &ReporterDto) -> AppResult<()> {
    for (field, value) in [
        ("reporter.first_name", &r.first_name),
        ("reporter.last_name", &r.last_name),
        ("reporter.phone", &r.phone),
        ("reporter.email", &r.email),
        ("reporter.account_id", &r.account_id),
        ("reporter.device_id", &r.device_id),
    ] {
        text(field, value, MAX_PERSONAL)?;
    }
    Ok(())
}

/// A new report's fields (the place and category are checked against the city by the caller).
pub fn new_case(new: &NewCaseDto) -> AppResult<()> {
    number("lon", new.lon, -180.0..=180.0, "degrees")?;
    number("lat", new.lat, -90.0..=90.0, "degrees")?;
    text("description", &new.description, MAX_DESCRIPTION)?;
    text("address", &new.address, MAX_ADDRESS)?;
    media("media", &new.media)?;
    opt_ident("camera_id", new.camera_id.as_deref(), MAX_ID)?;
    opt_ident("source_ref", new.source_ref.as_deref(), MAX_ID)?;
    if let Some(r) = &new.reporter {
        reporter(r)?;
    }
    Ok(())
}

/// How far ahead an explicit deadline (派遣, 延期) may be set.
pub const MAX_DEADLINE_DAYS: i64 = 366;

/// A workflow action's fields: an explicit deadline lies after now and within a year.
pub fn action(req: &ActionRequest, now: Timestamp) -> AppResult<()> {
    text("note", &req.note, MAX_DESCRIPTION)?;
    if req.action == cityops_api::Action::Merge {
        return Err(AppError::invalid(
            "action = merge: merge a duplicate with POST /api/v1/cases/{id}/merge (it names the main case)"
                .to_owned(),
        ));
    }
    if req.action.needs_reason() && req.note.trim().is_empty() {
        return Err(AppError::invalid(format!(
            "note: {} ({}) needs a reason",
            req.action.zh(),
            cityops_api::wire_name(&req.action)
        )));
    }
    if req.action.needs_deadline() && req.deadline.is_none() {
        return Err(AppError::invalid(format!(
            "deadline: {} ({}) needs the new deadline",
            req.action.zh(),
            cityops_api::wire_name(&req.action)
        )));
    }
    opt_ident("unit_code", req.unit_code.as_deref(), MAX_ID)?;
    if let Some(d) = req.deadline
        && (d <= now || d > now + chrono::Duration::days(MAX_DEADLINE_DAYS))
    {
        return Err(AppError::invalid(format!(
            "deadline = {} must lie after now ({}) and within {MAX_DEADLINE_DAYS} days",
            d.to_rfc3339(),
            now.to_rfc3339()
        )));
    }
    Ok(())
}

/// A token request's fields.
pub fn token(req: &NewTokenDto) -> AppResult<()> {
    ident("label", &req.label, 64)?;
    opt_ident("district", req.district.as_deref(), 6)
}

/// An inspector report (城管通).
pub fn inspector(r: &InspectorReportDto) -> AppResult<()> {
    ident("report_id", &r.report_id, MAX_ID)?;
    ident("inspector_id", &r.inspector_id, MAX_ID)?;
    text("description", &r.description, MAX_DESCRIPTION)?;
    media("media", &r.media)
}

/// A 12345 work order.
pub fn hotline(r: &HotlineOrderDto) -> AppResult<()> {
    ident("order_no", &r.order_no, MAX_ID)?;
    text("address", &r.address, MAX_ADDRESS)?;
    text("description", &r.description, MAX_DESCRIPTION)
}

/// A video-AI detection.
pub fn video(d: &VideoDetectionDto) -> AppResult<()> {
    ident("detection_id", &d.detection_id, MAX_ID)?;
    ident("camera_id", &d.camera_id, MAX_ID)?;
    number("confidence", d.confidence, 0.0..=1.0, "")?;
    opt_ident("snapshot", d.snapshot.as_deref(), MAX_MEDIA_REF)
}

/// A site sensor reading: pm10 in µg/m³ (0..=10000) or noise in dB(A) (0..=200).
pub fn sensor(r: &SensorReadingDto, now: Timestamp) -> AppResult<&'static str> {
    ident("reading_id", &r.reading_id, MAX_ID)?;
    ident("sensor_id", &r.sensor_id, MAX_ID)?;
    let (unit, max) = match r.quantity.as_str() {
        "pm10" => ("µg/m³", 10_000.0),
        "noise" => ("dB(A)", 200.0),
        q => return Err(AppError::invalid(format!("quantity {q:?} is not pm10 or noise"))),
    };
    number("value", r.value, 0.0..=max, unit)?;
    observed_at("at", r.at, now)?;
    Ok(unit)
}

/// A vehicle GPS fix: speed 0..=200 km/h, heading 0..=360°.
pub fn gps(f: &GpsFixDto, now: Timestamp) -> AppResult<()> {
    ident("fix_id", &f.fix_id, MAX_ID)?;
    ident("vehicle_id", &f.vehicle_id, MAX_ID)?;
    number("lon", f.lon, -180.0..=180.0, "degrees")?;
    number("lat", f.lat, -90.0..=90.0, "degrees")?;
    number("speed_kmh", f.speed_kmh, 0.0..=200.0, "km/h")?;
    number("heading_deg", f.heading_deg, 0.0..=360.0, "degrees")?;
    observed_at("at", f.at, now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_name_the_field() {
        assert!(text("description", &"字".repeat(MAX_DESCRIPTION), MAX_DESCRIPTION).is_ok());
        let e = text("description", &"字".repeat(MAX_DESCRIPTION + 1), MAX_DESCRIPTION).unwrap_err();
        assert!(e.0.message.starts_with("description is 4001 characters"), "{}", e.0.message);
        let e = text("address", "a\u{0}b", 10).unwrap_err();
        assert!(e.0.message.contains("U+0000"), "{}", e.0.message);
        assert!(text("description", "第一行\n第二行\t", 10).is_ok());
        assert!(ident("camera_id", "QD-CAM-000001", MAX_ID).is_ok());
        assert!(ident("camera_id", &"x".repeat(1_500_000), MAX_ID).is_err());
        assert!(ident("camera_id", "", MAX_ID).is_err());
        assert!(ident("camera_id", "a b", MAX_ID).is_err());
        assert!(media("media", &vec!["a".to_owned(); MAX_MEDIA + 1]).is_err());
        let e = number("speed_kmh", 1e308, 0.0..=200.0, "km/h").unwrap_err();
        assert!(e.0.message.contains("speed_kmh"), "{}", e.0.message);
        assert!(number("speed_kmh", f64::NAN, 0.0..=200.0, "km/h").is_err());
    }

    #[test]
    fn observation_times_are_plausible() {
        let now = chrono::DateTime::parse_from_rfc3339("2027-01-01T08:00:00+08:00").unwrap();
        assert!(observed_at("at", now, now).is_ok());
        assert!(observed_at("at", now - chrono::Duration::days(29), now).is_ok());
        assert!(observed_at("at", now + chrono::Duration::minutes(9), now).is_ok());
        let far = chrono::DateTime::parse_from_rfc3339("9999-01-01T00:00:00+08:00").unwrap();
        assert!(observed_at("at", far, now).unwrap_err().0.message.contains("9999"));
        assert!(observed_at("at", now - chrono::Duration::days(31), now).is_err());
    }
}
