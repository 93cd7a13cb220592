//! Draws an [`App`] into a ratatui frame: a title with the counts, the functions list beside the
//! selected one's mutants, the selected mutant's diff (or its tests, or the last re-run's output)
//! below them — beside them on wide terminals — a status line, and the keys.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use super::app::{App, Focus, Mode, MutantRef, Pane, Row, SourceText, Status, Tone};
use crate::domain::verdict::Verdict;
use crate::report;

/// Terminals at least this wide get the diff beside the lists instead of below.
const SIDE_BY_SIDE: u16 = 140;

pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    let [title, body, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_title(frame, app, title);
    let (functions, mutants, pane) = if body.width >= SIDE_BY_SIDE {
        let [lists, pane] =
            Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)])
                .areas(body);
        let [functions, mutants] =
            Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(lists);
        (functions, mutants, pane)
    } else {
        let top = (body.height * 45 / 100).max(6).min(body.height);
        let [lists, pane] =
            Layout::vertical([Constraint::Length(top), Constraint::Min(0)]).areas(body);
        let [functions, mutants] =
            Layout::horizontal([Constraint::Percentage(40), Constraint::Percentage(60)])
                .areas(lists);
        (functions, mutants, pane)
    };
    draw_functions(frame, app, functions);
    draw_mutants(frame, app, mutants);
    match app.pane {
        Pane::Diff => draw_diff(frame, app, pane),
        Pane::Tests => draw_tests(frame, app, pane),
        Pane::Output => draw_output(frame, app, pane),
    }
    draw_status(frame, app, status);
    draw_footer(frame, app, footer);
    if let Mode::ConfirmApply(r) = app.mode {
        draw_confirm(frame, app, r, area);
    }
}

/// Takes the colours out of a drawn frame (`--color never`, `NO_COLOR`), keeping bold and
/// reverse video: a cell that had a background colour is shown reversed instead.
pub fn without_color(buffer: &mut ratatui::buffer::Buffer) {
    for cell in buffer.content.iter_mut() {
        if cell.bg != Color::Reset {
            cell.modifier.insert(Modifier::REVERSED);
        }
        cell.fg = Color::Reset;
        cell.bg = Color::Reset;
    }
}

pub fn status_style(status: Status) -> Style {
    let color = match status {
        Status::Verdict(Verdict::Killed) => Color::Green,
        Status::Verdict(Verdict::Survived) => Color::Red,
        Status::Verdict(Verdict::NoTests) => Color::Yellow,
        Status::Verdict(Verdict::Timeout) => Color::Magenta,
        Status::Verdict(Verdict::Crashed) => Color::LightRed,
        Status::Verdict(Verdict::Suspicious) => Color::LightMagenta,
        Status::Verdict(Verdict::Skipped)
        | Status::Verdict(Verdict::Ignored)
        | Status::Verdict(Verdict::CaughtByTypeCheck)
        | Status::NotRun => Color::DarkGray,
    };
    let style = Style::default().fg(color);
    if status == Status::Verdict(Verdict::Survived) {
        style.add_modifier(Modifier::BOLD)
    } else {
        style
    }
}

fn tone_style(tone: Tone) -> Style {
    match tone {
        Tone::Info => Style::default(),
        Tone::Good => Style::default().fg(Color::Green),
        Tone::Bad => Style::default().fg(Color::Red),
    }
}

fn block(title: String, focused: bool) -> Block<'static> {
    let style = if focused {
        Style::default().fg(Color::Cyan)
    } else {
        Style::default().fg(Color::DarkGray)
    };
    Block::default()
        .borders(Borders::ALL)
        .border_style(style)
        .title(Span::styled(
            title,
            Style::default().add_modifier(Modifier::BOLD),
        ))
}

/// `line` with tabs expanded (to stops every 4 columns) and other control characters dropped:
/// the terminal would skip them, and a tab-indented source would lose its indentation.
fn printable(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut column = 0;
    for c in line.chars() {
        if c == '\t' {
            let n = 4 - column % 4;
            out.extend(std::iter::repeat_n(' ', n));
            column += n;
        } else if !c.is_control() {
            out.push(c);
            column += 1;
        }
    }
    out
}

/// `1 test`, `2 tests`.
fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// `text` cut to `width` columns, ending in `…` when cut.
fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = text.chars().take(width - 1).collect();
    out.push('…');
    out
}

fn draw_title(frame: &mut Frame, app: &App, area: Rect) {
    let summary = &app.summary;
    let full = summary.line();
    let short = full
        .split(" (covered")
        .next()
        .unwrap_or(full.as_str())
        .to_string();
    let width = area.width as usize;
    let text = [
        format!("mutrun browse · {full}"),
        format!("mutrun browse · {short}"),
        short.clone(),
    ]
    .into_iter()
    .find(|t| t.chars().count() <= width)
    .unwrap_or_else(|| fit(&short, width));
    frame.render_widget(
        Paragraph::new(Line::from(Span::styled(
            text,
            Style::default().add_modifier(Modifier::BOLD),
        ))),
        area,
    );
}

/// The first row to draw so that `selected` is visible in `height` rows, keeping the previous
/// offset when it still works (the list scrolls only when the selection leaves it).
fn scroll(selected: usize, len: usize, height: usize, offset: &std::cell::Cell<usize>) -> usize {
    let height = height.max(1);
    let mut first = offset.get();
    if selected < first {
        first = selected;
    } else if selected >= first + height {
        first = selected + 1 - height;
    }
    first = first.min(len.saturating_sub(height));
    offset.set(first);
    first
}

fn counts_spans(counts: &super::app::Counts) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    for (status, n) in counts.nonzero() {
        if !spans.is_empty() {
            spans.push(Span::raw(" "));
        }
        spans.push(Span::styled(
            format!("{n}{}", status.letter()),
            status_style(status),
        ));
    }
    spans
}

fn selected_style(focused: bool) -> Style {
    if focused {
        Style::default().add_modifier(Modifier::REVERSED)
    } else {
        Style::default().add_modifier(Modifier::BOLD)
    }
}

fn draw_functions(frame: &mut Frame, app: &App, area: Rect) {
    let focused = app.focus == Focus::Functions && app.mode != Mode::Search;
    let mut title = " Functions".to_string();
    if let Some(filter) = app.filter {
        title.push_str(&format!(" · {}", filter.name()));
    }
    if !app.search.is_empty() || app.mode == Mode::Search {
        title.push_str(&format!(" · /{}", app.search));
    }
    title.push(' ');
    let block = block(title, focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let height = inner.height as usize;
    app.list_height.set(height);
    if app.rows.is_empty() {
        let text = if app.files.iter().all(|f| f.meta.mutants.is_empty()) {
            "no mutants".to_string()
        } else {
            "no mutant matches; f changes the filter, esc clears the search".to_string()
        };
        frame.render_widget(
            Paragraph::new(text).wrap(ratatui::widgets::Wrap { trim: true }),
            inner,
        );
        return;
    }
    let first = scroll(app.row_sel, app.rows.len(), height, &app.row_offset);
    let width = inner.width as usize;
    let lines: Vec<Line> = app
        .rows
        .iter()
        .enumerate()
        .skip(first)
        .take(height)
        .map(|(i, row)| {
            let (name, counts, name_style) = match *row {
                Row::File(f) => {
                    let file = &app.files[f];
                    (
                        file.meta.source.clone(),
                        file.counts,
                        Style::default().add_modifier(Modifier::BOLD),
                    )
                }
                Row::Function(f, fi) => {
                    let file = &app.files[f];
                    let qualname = file
                        .meta
                        .functions
                        .get(fi)
                        .map_or("?", |m| m.qualname.as_str());
                    (
                        format!("  {qualname}"),
                        file.function_counts.get(fi).copied().unwrap_or_default(),
                        Style::default(),
                    )
                }
            };
            let counts = counts_spans(&counts);
            let counts_width: usize = counts.iter().map(|s| s.width()).sum();
            let room = width.saturating_sub(counts_width + 2).max(1);
            let name = fit(&name, room);
            let pad = width.saturating_sub(1 + name.chars().count() + counts_width);
            let marker = if i == app.row_sel { ">" } else { " " };
            let mut spans = vec![
                Span::raw(marker),
                Span::styled(name, name_style),
                Span::raw(" ".repeat(pad)),
            ];
            spans.extend(counts);
            let line = Line::from(spans);
            if i == app.row_sel {
                line.style(selected_style(focused))
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

fn draw_mutants(frame: &mut Frame, app: &App, area: Rect) {
    let focused = app.focus == Focus::Mutants;
    let title = match app.selected_row() {
        Some(Row::File(f)) => format!(
            " Mutants in {} ({}) ",
            app.files[f].meta.source,
            app.mutants.len()
        ),
        Some(Row::Function(f, fi)) => format!(
            " Mutants of {} ({}) ",
            app.files[f]
                .meta
                .functions
                .get(fi)
                .map_or("?", |m| m.qualname.as_str()),
            app.mutants.len()
        ),
        None => " Mutants ".to_string(),
    };
    let block = block(title, focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let height = inner.height as usize;
    let first = scroll(
        app.mutant_sel,
        app.mutants.len(),
        height,
        &app.mutant_offset,
    );
    let lines: Vec<Line> = app
        .mutants
        .iter()
        .enumerate()
        .skip(first)
        .take(height)
        .filter_map(|(i, r)| {
            let (file, mutant) = app.mutant(*r)?;
            let status = app.status_of(*r);
            let (label, style) = match app.run_state(&mutant.id) {
                Some(true) => ("running…", Style::default().fg(Color::Cyan)),
                Some(false) => ("queued", Style::default().fg(Color::Cyan)),
                None => (status.name(), status_style(status)),
            };
            let qualname = file
                .meta
                .function(&mutant.function)
                .map_or(mutant.function.as_str(), |f| f.qualname.as_str());
            let number = mutant.id.split().map_or(0, |(_, n)| n);
            let marker = if i == app.mutant_sel { ">" } else { " " };
            let line = Line::from(vec![
                Span::raw(marker),
                Span::styled(format!("{label:<10}"), style),
                Span::raw(format!("{:>5} ", mutant.line)),
                Span::styled(
                    format!("{qualname}:{number}"),
                    Style::default().add_modifier(Modifier::BOLD),
                ),
                Span::raw(format!(
                    "  {} → {}",
                    report::one_line(&mutant.original),
                    report::one_line(&mutant.replacement)
                )),
            ]);
            Some(if i == app.mutant_sel {
                line.style(selected_style(focused))
            } else {
                line
            })
        })
        .collect();
    if lines.is_empty() {
        frame.render_widget(Paragraph::new("no mutant to show"), inner);
    } else {
        frame.render_widget(Paragraph::new(lines), inner);
    }
}

/// What the verdict of `r` says, in one line.
fn verdict_line(app: &App, r: MutantRef) -> Line<'static> {
    let Some((file, mutant)) = app.mutant(r) else {
        return Line::default();
    };
    let status = app.status_of(r);
    let mut spans = vec![Span::styled(
        status.name().to_string(),
        status_style(status),
    )];
    let record = file.meta.valid_verdict(mutant);
    let detail = match (status, record) {
        (Status::NotRun, _) => format!(": r runs it (`mutrun run '{}'`)", mutant.id),
        (_, Some(record)) => {
            let mut text = String::new();
            if let Some(killer) = &record.killer {
                text.push_str(&format!(" by {killer}"));
            } else if status == Status::Verdict(Verdict::Survived) {
                text.push_str(&format!(
                    ": {} ran, none failed",
                    plural(record.tests_run.len(), "test")
                ));
            }
            if let Some(detail) = &record.detail {
                text.push_str(&format!(" ({detail})"));
            }
            if record.seconds > 0.0 {
                text.push_str(&format!(" · {:.2} s", record.seconds));
            }
            text
        }
        (_, None) => String::new(),
    };
    spans.push(Span::raw(detail));
    Line::from(spans)
}

fn pane_block(app: &App, what: &str) -> Block<'static> {
    let title = match app.selected_mutant().and_then(|r| app.mutant(r)) {
        Some((_, m)) => format!(" {what}{} · {} ", m.id, m.operator.name()),
        None => format!(" {what}"),
    };
    block(title, false)
}

fn draw_diff(frame: &mut Frame, app: &App, area: Rect) {
    let block = pane_block(app, "");
    let Some(r) = app.selected_mutant() else {
        frame.render_widget(Paragraph::new("no mutant selected").block(block), area);
        return;
    };
    let mut lines = vec![verdict_line(app, r)];
    let diff = app.diff(r);
    let wrap = diff.is_err();
    match diff {
        Ok(diff) => lines.extend(diff.into_iter().map(|line| {
            let style = if line.starts_with("@@") {
                Style::default().fg(Color::Cyan)
            } else if line.starts_with('+') {
                Style::default().fg(Color::Green)
            } else if line.starts_with('-') {
                Style::default().fg(Color::Red)
            } else {
                Style::default()
            };
            Line::styled(printable(&line), style)
        })),
        Err(message) => lines.push(Line::styled(message, Style::default().fg(Color::Yellow))),
    }
    let mut paragraph = Paragraph::new(lines)
        .block(block)
        .scroll((app.pane_scroll, 0));
    if wrap {
        paragraph = paragraph.wrap(ratatui::widgets::Wrap { trim: false });
    }
    frame.render_widget(paragraph, area);
}

fn draw_tests(frame: &mut Frame, app: &App, area: Rect) {
    let block = pane_block(app, "Tests · ");
    let Some((file, mutant)) = app.selected_mutant().and_then(|r| app.mutant(r)) else {
        frame.render_widget(Paragraph::new("no mutant selected").block(block), area);
        return;
    };
    let mut lines = Vec::new();
    if let Some(r) = app.selected_mutant() {
        lines.push(verdict_line(app, r));
    }
    let record = file.meta.valid_verdict(mutant);
    match &app.coverage {
        None => lines.push(Line::raw(
            "no test stats yet: `mutrun run` records which tests reach which functions",
        )),
        Some(coverage) => {
            let tests = coverage.tests_for(&mutant.function);
            if tests.is_empty() {
                lines.push(Line::raw(format!(
                    "no test reaches {}",
                    mutant.function.as_str()
                )));
            } else {
                lines.push(Line::raw(if tests.len() == 1 {
                    format!("1 test reaches {}:", mutant.function.as_str())
                } else {
                    format!(
                        "{} tests reach {}, fastest first:",
                        tests.len(),
                        mutant.function.as_str()
                    )
                }));
                for test in tests {
                    let (mark, style) = match record {
                        Some(r) if r.killer.as_deref() == Some(test.id.as_str()) => {
                            ("killed it", Style::default().fg(Color::Green))
                        }
                        Some(r) if r.tests_run.contains(&test.id) => ("ran", Style::default()),
                        _ => ("", Style::default().fg(Color::DarkGray)),
                    };
                    lines.push(Line::from(vec![
                        Span::raw(format!("{:>9.4} s  ", test.duration)),
                        Span::styled(test.id.clone(), style),
                        Span::styled(format!("  {mark}"), style),
                    ]));
                }
            }
        }
    }
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .scroll((app.pane_scroll, 0)),
        area,
    );
}

fn draw_output(frame: &mut Frame, app: &App, area: Rect) {
    let title = match &app.running {
        Some(run) => format!(" Output · re-running {} ", run.label),
        None => " Output of the last re-run ".to_string(),
    };
    let lines: Vec<Line> = if app.output.is_empty() {
        vec![Line::raw(
            "no re-run yet: r re-runs the selected mutant, R its function",
        )]
    } else {
        app.output.iter().map(|l| Line::raw(printable(l))).collect()
    };
    // Follow the end of the output unless scrolled.
    let height = area.height.saturating_sub(2) as usize;
    let end = lines.len().saturating_sub(height) as u16;
    let scroll = if app.pane_scroll == 0 {
        end
    } else {
        app.pane_scroll.min(end)
    };
    frame.render_widget(
        Paragraph::new(lines)
            .block(block(title, false))
            .scroll((scroll, 0)),
        area,
    );
}

fn draw_status(frame: &mut Frame, app: &App, area: Rect) {
    let line = match &app.status {
        Some((text, tone)) => Line::styled(printable(text), tone_style(*tone)),
        None => Line::styled(
            "t shows the tests that reach the selected mutant, f filters by status",
            Style::default().fg(Color::DarkGray),
        ),
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// The keys of the current mode, as many as fit in `width` columns.
pub fn footer_keys(app: &App) -> Vec<(&'static str, &'static str)> {
    match app.mode {
        Mode::Search => vec![("type", "to search"), ("⏎", "keep"), ("esc", "clear")],
        Mode::ConfirmApply(_) => vec![("y", "apply"), ("n", "cancel")],
        Mode::ConfirmMark(_) => vec![("y", "mark equivalent"), ("n", "cancel")],
        Mode::Normal => vec![
            ("↑↓", "move"),
            ("⏎", "open"),
            ("esc", "back"),
            ("f", "filter"),
            ("/", "search"),
            ("t", "tests"),
            ("r", "rerun"),
            ("R", "func"),
            ("a", "apply"),
            ("q", "quit"),
        ],
    }
}

fn draw_footer(frame: &mut Frame, app: &App, area: Rect) {
    let keys = footer_keys(app);
    let width = area.width as usize;
    let length = |sep: usize, keys: &[(&str, &str)]| -> usize {
        keys.iter()
            .map(|(k, l)| k.chars().count() + 1 + l.chars().count())
            .sum::<usize>()
            + sep * keys.len().saturating_sub(1)
    };
    let sep = if length(2, &keys) <= width { 2 } else { 1 };
    let mut spans = Vec::new();
    let mut used = 0;
    for (key, label) in keys {
        let piece = key.chars().count() + 1 + label.chars().count();
        let gap = if spans.is_empty() { 0 } else { sep };
        if used + gap + piece > width {
            break;
        }
        if gap > 0 {
            spans.push(Span::raw(" ".repeat(gap)));
        }
        spans.push(Span::styled(
            key,
            Style::default()
                .fg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
        ));
        spans.push(Span::raw(format!(" {label}")));
        used += gap + piece;
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_confirm(frame: &mut Frame, app: &App, r: MutantRef, area: Rect) {
    let Some((file, mutant)) = app.mutant(r) else {
        return;
    };
    let (before, after) = match app.source(r.file) {
        SourceText::Current(text)
            if text.get(..mutant.start).is_some() && text.get(mutant.end..).is_some() =>
        {
            report::before_after(text, mutant.start, mutant.end, &mutant.replacement)
        }
        _ => (
            report::one_line(&mutant.original),
            report::one_line(&mutant.replacement),
        ),
    };
    let width = area.width.saturating_sub(4).min(76);
    let height = 7.min(area.height);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    let lines = vec![
        Line::raw(format!(
            "Write {} into {} (line {})?",
            mutant.id, file.meta.source, mutant.line
        )),
        Line::styled(
            format!("- {}", printable(&before)),
            Style::default().fg(Color::Red),
        ),
        Line::styled(
            format!("+ {}", printable(&after)),
            Style::default().fg(Color::Green),
        ),
        Line::raw(""),
        Line::from(vec![
            Span::styled(
                "y",
                Style::default()
                    .fg(Color::Cyan)
                    .add_modifier(Modifier::BOLD),
            ),
            Span::raw(" apply   "),
            Span::styled(
                "n",
                Style::default()
                    .fg(Color::Cyan)
                    .add_modifier(Modifier::BOLD),
            ),
            Span::raw(" cancel"),
        ]),
    ];
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(Style::default().fg(Color::Yellow))
                .title(" Apply this mutant to your source? "),
        ),
        popup,
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn tabs_expand_and_control_characters_go() {
        assert_eq!(super::printable("-\tif x:\x1b"), "-   if x:");
        assert_eq!(super::printable("\t\tpass"), "        pass");
    }
}
