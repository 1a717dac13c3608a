//! `jingyou-hub review`: the vehicle office sets review states and reads its
//! work list, on the store directly (`--data`, `--db`) or through a running
//! hub (`--hub URL`, office token in `JINGYOU_HUB_TOKEN`).

use std::process::ExitCode;
use std::time::Duration;

use jingyou::hub::review::{NewReview, Review, ReviewOutcome, ReviewState};
use jingyou::mask::escape_controls;
use serde_json::{json, Value};

use super::{fail, open_backend, pad, usage, Args, ListFormat, ReviewArgs};

/// What the command did, for the exit code.
enum Done {
    Ok(String),
    Refused(String),
}

pub(crate) fn run(args: &Args, r: &ReviewArgs) -> ExitCode {
    if let Some(b) = &r.branch {
        if !jingyou::wire::valid_branch(b) {
            return usage(format!(
                "--branch {} is not a branch code (1-32 of A-Z a-z 0-9 - _)",
                b.escape_default()
            ));
        }
    }
    if r.list {
        return list(args, r);
    }
    let Some(id) = r.id.as_deref() else {
        return usage("give the application's ID, or --list");
    };
    let Some(state) = r.state.as_deref() else {
        return usage("--state is required: accepted, needs_correction, rejected or completed");
    };
    let Some(state) = ReviewState::parse(state) else {
        return usage(format!(
            "--state {} is not a state: accepted, needs_correction, rejected or completed",
            state.escape_default()
        ));
    };
    if !jingyou::wire::valid_branch(&r.office) {
        return usage("--office must be 1-32 of A-Z a-z 0-9 - _");
    }
    let review = NewReview {
        review_id: r
            .review_id
            .clone()
            .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string()),
        app_id: id.to_string(),
        state,
        note: r.note.clone(),
        result: r.result.clone(),
        materials: r.materials.clone(),
        office: r.office.clone(),
    };
    if let Err(why) = review.check() {
        return usage(why);
    }
    let done = match &r.hub {
        Some(url) => set_over_http(url, &review),
        None => set_in_store(args, &review),
    };
    match done {
        Ok(Done::Ok(line)) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Ok(Done::Refused(why)) => fail(why),
        Err(code) => code,
    }
}

fn done_line(rec: &Review, duplicate: bool) -> String {
    let mut line = format!(
        "{} ({}, {}): {}",
        rec.id,
        rec.branch,
        escape_controls(&rec.number),
        rec.state.as_str()
    );
    if duplicate {
        line.push_str(" (this review was applied before; nothing changed)");
    }
    line
}

fn set_in_store(args: &Args, review: &NewReview) -> Result<Done, ExitCode> {
    let backend = open_backend(args)?;
    let outcome = backend.review(review).map_err(fail)?;
    Ok(match outcome {
        ReviewOutcome::Done(rec) => Done::Ok(done_line(&rec, false)),
        ReviewOutcome::Duplicate(rec) => Done::Ok(done_line(&rec, true)),
        ReviewOutcome::UnknownApplication => Done::Refused(format!(
            "the hub holds no application with id {}",
            review.app_id.escape_default()
        )),
        ReviewOutcome::Voided => {
            Done::Refused("the branch voided this application: it cannot be reviewed".to_string())
        }
        ReviewOutcome::NotAllowed(why) => Done::Refused(format!("refused: {why}")),
        ReviewOutcome::IdConflict => Done::Refused(
            "this review id was used for a different review (leave --review-id out for a new one)"
                .to_string(),
        ),
    })
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .new_agent()
}

fn token() -> Result<String, ExitCode> {
    std::env::var("JINGYOU_HUB_TOKEN")
        .ok()
        .filter(|t| !t.trim().is_empty())
        .map(|t| t.trim().to_string())
        .map_or_else(
            || Err(usage("--hub needs the office token in JINGYOU_HUB_TOKEN")),
            Ok,
        )
}

/// The JSON reply of a hub, or a one-line error.
fn read_reply(
    r: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> Result<(u16, Value), ExitCode> {
    let mut r = r.map_err(|e| fail(format!("cannot reach the hub: {e}")))?;
    let status = r.status().as_u16();
    let text = r
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_string()
        .map_err(|e| fail(format!("the hub's reply could not be read: {e}")))?;
    let v: Value = serde_json::from_str(&text)
        .map_err(|_| fail(format!("the hub answered {status} without JSON")))?;
    Ok((status, v))
}

fn hub_message(v: &Value) -> String {
    escape_controls(v["error"]["message"].as_str().unwrap_or("no reason given"))
}

fn set_over_http(url: &str, review: &NewReview) -> Result<Done, ExitCode> {
    let token = token()?;
    let body = json!({
        "review_id": review.review_id, "state": review.state, "note": review.note,
        "result": review.result, "materials": review.materials,
    });
    let target = format!(
        "{}/v1/applications/{}/review",
        url.trim_end_matches('/'),
        review.app_id
    );
    let (status, v) = read_reply(
        agent()
            .post(&target)
            .header("Authorization", &format!("Bearer {token}"))
            .header("Content-Type", "application/json")
            .send(body.to_string().as_bytes()),
    )?;
    match status {
        200 => {
            let rec: Review = serde_json::from_value(v.clone())
                .map_err(|e| fail(format!("the hub's reply is not a review record: {e}")))?;
            Ok(Done::Ok(done_line(&rec, v["duplicate"] == json!(true))))
        }
        400 => Err(usage(hub_message(&v))),
        404 | 409 => Ok(Done::Refused(format!("refused: {}", hub_message(&v)))),
        _ => Err(fail(format!(
            "the hub answered {status}: {}",
            hub_message(&v)
        ))),
    }
}

fn states_of(r: &ReviewArgs) -> Result<Vec<ReviewState>, ExitCode> {
    match r.state.as_deref() {
        None => Ok(ReviewState::ALL
            .into_iter()
            .filter(|s| !s.is_final())
            .collect()),
        Some("all") => Ok(ReviewState::ALL.to_vec()),
        Some(s) => ReviewState::parse(s).map(|s| vec![s]).ok_or_else(|| {
            usage(format!(
                "--state {} is not a state: received, accepted, needs_correction, rejected, completed or all",
                s.escape_default()
            ))
        }),
    }
}

fn list(args: &Args, r: &ReviewArgs) -> ExitCode {
    let states = match states_of(r) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let list = match &r.hub {
        Some(url) => list_over_http(url, r),
        None => open_backend(args)
            .and_then(|b| b.list_reviews(&states, r.branch.as_deref()).map_err(fail)),
    };
    let list = match list {
        Ok(l) => l,
        Err(code) => return code,
    };
    match r.format {
        ListFormat::Json => {
            let v: Vec<Value> = list.iter().map(Review::to_json).collect();
            println!("{}", Value::Array(v));
        }
        ListFormat::Table => print!("{}", table(&list)),
    }
    ExitCode::SUCCESS
}

fn list_over_http(url: &str, r: &ReviewArgs) -> Result<Vec<Review>, ExitCode> {
    let token = token()?;
    let mut query = form_urlencoded::Serializer::new(String::new());
    if let Some(s) = &r.state {
        query.append_pair("state", s);
    }
    if let Some(b) = &r.branch {
        query.append_pair("branch", b);
    }
    let target = format!(
        "{}/v1/reviews?{}",
        url.trim_end_matches('/'),
        query.finish()
    );
    let (status, v) = read_reply(
        agent()
            .get(&target)
            .header("Authorization", &format!("Bearer {token}"))
            .call(),
    )?;
    if status != 200 {
        return Err(fail(format!(
            "the hub answered {status}: {}",
            hub_message(&v)
        )));
    }
    serde_json::from_value(v["applications"].clone())
        .map_err(|e| fail(format!("the hub's reply is not a list of reviews: {e}")))
}

/// `s` cut to `width` display columns (with `…` when cut).
fn cut(s: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    if unicode_width::UnicodeWidthStr::width(s) <= width {
        return s.to_string();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if w + cw + 1 > width {
            break;
        }
        out.push(c);
        w += cw;
    }
    out.push('…');
    out
}

fn table(list: &[Review]) -> String {
    let mut out = format!(
        "{} {} {} {} {} {} {}\n",
        pad("id", 36),
        pad("branch", 10),
        pad("number", 20),
        pad("service", 8),
        pad("date", 10),
        pad("state", 16),
        "since / note"
    );
    for rec in list {
        let last = rec.history.last();
        let at = last.map_or("", |e| e.at.as_str());
        let note = last
            .and_then(|e| e.note.as_deref().or(e.result.as_deref()))
            .map(|n| cut(&escape_controls(n), 40))
            .unwrap_or_default();
        out.push_str(&format!(
            "{} {} {} {} {} {} {at} {note}\n",
            pad(&cut(&rec.id, 36), 36),
            pad(&rec.branch, 10),
            pad(&cut(&escape_controls(&rec.number), 20), 20),
            pad(&cut(&rec.service, 8), 8),
            pad(&rec.date, 10),
            pad(rec.state.as_str(), 16),
        ));
    }
    out.push_str(&format!("{} application(s)\n", list.len()));
    out
}
