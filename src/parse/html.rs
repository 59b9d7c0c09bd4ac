//! Saved web pages (`.html`, `.htm`): the article, not the page around it.
//!
//! Parsed with `scraper` (html5ever, the HTML5 parsing algorithm). The
//! metadata comes from where news sites put it: the title from the
//! article's `<h1>`, else `og:title`, else `<title>`; the date from
//! `article:published_time`, `datePublished` (JSON-LD or microdata), the
//! usual `<meta>` names, then the article's first `<time datetime>`; the
//! source from `og:site_name` or the JSON-LD publisher; the URL from the
//! canonical link or `og:url`. The text comes from the article element (the
//! `<article>` with the most paragraph text, else `articleBody`, `<main>`,
//! the body), without scripts, styles, navigation, forms, asides, footers,
//! or boxes whose class, id or role marks them as cookie banners, share
//! bars, related or recommended articles, newsletters, ads or comments.
//! Its blocks (headings, paragraphs, list items, figure captions) are laid
//! out as the text format and read by the text parser, so a brief saved as
//! HTML (a Key Takeaways list, a Strategic Analysis heading) parses into
//! the same sections as its text form.

use scraper::{ElementRef, Html, Node, Selector};
use serde_json::Value;

use super::text::{self, Parts};
use super::{BadDates, ParseOptions};
use crate::dates;

/// Elements never read.
const SKIPPED_TAGS: &[&str] = &[
    "script", "style", "noscript", "template", "nav", "aside", "form", "iframe", "svg", "button",
    "select", "textarea", "footer", "dialog", "canvas", "object", "embed", "head",
];

/// Words in a class or id that mark page furniture.
const FURNITURE: &[&str] = &[
    "cookie",
    "cookies",
    "consent",
    "gdpr",
    "related",
    "share",
    "sharing",
    "social",
    "newsletter",
    "subscribe",
    "subscription",
    "promo",
    "advert",
    "advertisement",
    "ad",
    "ads",
    "sponsor",
    "sponsored",
    "breadcrumb",
    "breadcrumbs",
    "comment",
    "comments",
    "sidebar",
    "nav",
    "navbar",
    "navigation",
    "menu",
    "footer",
    "recommended",
    "recommendations",
    "popular",
    "trending",
    "paywall",
    "outbrain",
    "taboola",
    "skip",
    "byline",
    "dateline",
];

/// ARIA roles of page furniture.
const FURNITURE_ROLES: &[&str] = &[
    "navigation",
    "banner",
    "contentinfo",
    "complementary",
    "search",
    "dialog",
    "alertdialog",
];

/// Elements whose text runs on inside a paragraph.
const INLINE_TAGS: &[&str] = &[
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "i", "kbd", "mark", "q",
    "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var", "font", "ins", "del",
    "label",
];

/// What a page parsed into, before it gets an id and a path.
pub struct Page {
    pub parts: Parts,
    pub bad_dates: BadDates,
}

/// Parses a saved web page (already decoded).
pub fn parse(content: &str, where_: &str, options: &ParseOptions) -> Page {
    let document = Html::parse_document(content);
    let meta = Meta::read(&document);
    let root = article_root(&document);

    let mut blocks = Blocks::default();
    let mut h1 = None;
    if let Some(root) = root {
        blocks.walk(root, &mut h1);
        blocks.flush();
    }
    let title = h1
        .or_else(|| meta.og_title.clone())
        .or_else(|| meta.title_tag.clone());
    let mut bad_dates = BadDates::default();
    let date = meta
        .dates
        .iter()
        .find_map(|raw| match dates::parse_date(raw, options.date_order) {
            Ok(date) => Some(dates::format_date(date)),
            Err(_) => None,
        });
    if date.is_none() {
        if let Some(raw) = meta.dates.first() {
            let err = dates::parse_date(raw, options.date_order)
                .err()
                .unwrap_or(dates::DateError::Unknown);
            bad_dates.add(where_, raw, err);
        }
    }
    let known = Parts {
        title,
        url: meta.url.clone(),
        date,
        ..Parts::default()
    };
    let laid_out = blocks.lines.join("\n\n");
    let mut parts = text::parse_with(&laid_out, known, true, options.date_order);
    // A publisher stamp in the text (a brief saved as HTML) names the
    // source as the text form does; else the page's site name.
    if parts.source.is_none() {
        parts.source = meta.site_name.clone();
    }
    if parts.summary.is_none() && parts.body.is_empty() && parts.takeaways.is_empty() {
        parts.summary = meta.description.clone();
    }
    Page { parts, bad_dates }
}

fn is_furniture(el: &ElementRef) -> bool {
    let value = el.value();
    if SKIPPED_TAGS.contains(&value.name()) {
        return true;
    }
    if value.attr("hidden").is_some() || value.attr("aria-hidden") == Some("true") {
        return true;
    }
    if value
        .attr("role")
        .is_some_and(|r| FURNITURE_ROLES.contains(&r.trim().to_ascii_lowercase().as_str()))
    {
        return true;
    }
    let words = |attr: Option<&str>| -> bool {
        attr.is_some_and(|a| {
            a.split(|c: char| !c.is_ascii_alphanumeric())
                .any(|w| FURNITURE.contains(&w.to_ascii_lowercase().as_str()))
        })
    };
    words(value.attr("class")) || words(value.attr("id"))
}

/// Inside page furniture (an ancestor is furniture).
fn in_furniture(el: &ElementRef) -> bool {
    el.ancestors()
        .filter_map(ElementRef::wrap)
        .any(|a| a.value().name() != "body" && a.value().name() != "html" && is_furniture(&a))
}

fn select<'a>(document: &'a Html, css: &str) -> Vec<ElementRef<'a>> {
    match Selector::parse(css) {
        Ok(selector) => document.select(&selector).collect(),
        Err(_) => Vec::new(),
    }
}

/// The element holding the story.
fn article_root(document: &Html) -> Option<ElementRef<'_>> {
    let paragraph_text = |el: &ElementRef| -> usize {
        el.descendants()
            .filter_map(ElementRef::wrap)
            .filter(|e| e.value().name() == "p")
            .map(|p| p.text().map(str::len).sum::<usize>())
            .sum()
    };
    let articles: Vec<ElementRef> = select(document, "article")
        .into_iter()
        .filter(|a| !is_furniture(a) && !in_furniture(a))
        .collect();
    if let Some(best) = articles.iter().max_by_key(|a| paragraph_text(a)) {
        // Not a page whose <article> elements are all empty teasers.
        if paragraph_text(best) > 0 {
            return Some(*best);
        }
    }
    for css in ["[itemprop=articleBody]", "main", "[role=main]", "body"] {
        if let Some(el) = select(document, css).into_iter().next() {
            return Some(el);
        }
    }
    Some(document.root_element())
}

/// The page's blocks laid out in the text format, one a paragraph.
#[derive(Default)]
struct Blocks {
    lines: Vec<String>,
    /// Inline text waiting for the end of its block.
    run: String,
}

impl Blocks {
    fn flush(&mut self) {
        let text = collapse(&self.run);
        self.run.clear();
        self.paragraph(text);
    }

    /// A paragraph, unless it is only a date (the page's timestamp, read
    /// as the brief's date).
    fn paragraph(&mut self, text: String) {
        if !text.is_empty() && dates::parse_date(&text, None).is_err() {
            self.lines.push(text);
        }
    }

    fn push(&mut self, line: String) {
        self.flush();
        self.lines.push(line);
    }

    fn walk(&mut self, node: ElementRef, h1: &mut Option<String>) {
        for child in node.children() {
            match child.value() {
                Node::Text(text) => self.run.push_str(text),
                Node::Element(_) => {
                    let Some(el) = ElementRef::wrap(child) else {
                        continue;
                    };
                    if is_furniture(&el) {
                        continue;
                    }
                    self.element(el, h1);
                }
                _ => {}
            }
        }
    }

    fn element(&mut self, el: ElementRef, h1: &mut Option<String>) {
        let name = el.value().name();
        match name {
            "br" => self.run.push(' '),
            "img" | "picture" | "video" | "audio" | "source" | "hr" | "input" => {}
            n if INLINE_TAGS.contains(&n) => {
                let text = inline_text(el);
                self.run.push_str(&text);
            }
            "h1" => {
                self.flush();
                let text = collapse(&inline_text(el));
                if text.is_empty() {
                } else if h1.is_none() {
                    *h1 = Some(text);
                } else {
                    self.push(format!("## {text}"));
                }
            }
            "h2" | "h3" | "h4" | "h5" | "h6" => {
                self.flush();
                let text = collapse(&inline_text(el));
                if !text.is_empty() {
                    self.push(format!("## {text}"));
                }
            }
            "ul" | "ol" => {
                self.flush();
                let mut items = Vec::new();
                for (i, li) in el
                    .children()
                    .filter_map(ElementRef::wrap)
                    .filter(|c| c.value().name() == "li" && !is_furniture(c))
                    .enumerate()
                {
                    let text = collapse(&block_text(li));
                    if text.is_empty() {
                        continue;
                    }
                    items.push(if name == "ol" {
                        format!("{}. {text}", i + 1)
                    } else {
                        format!("- {text}")
                    });
                }
                if !items.is_empty() {
                    self.push(items.join("\n"));
                }
            }
            "figcaption" => {
                self.flush();
                let text = collapse(&block_text(el));
                if !text.is_empty() {
                    self.push(format!("Caption: {text}"));
                }
            }
            "p" | "dt" | "dd" | "pre" | "address" | "li" => {
                self.flush();
                self.paragraph(collapse(&block_text(el)));
            }
            "tr" => {
                self.flush();
                let cells: Vec<String> = el
                    .children()
                    .filter_map(ElementRef::wrap)
                    .map(|c| collapse(&block_text(c)))
                    .filter(|t| !t.is_empty())
                    .collect();
                if !cells.is_empty() {
                    self.push(cells.join(" · "));
                }
            }
            _ => {
                // A block container: its own text is a paragraph of its own.
                self.flush();
                self.walk(el, h1);
                self.flush();
            }
        }
    }
}

/// The text of an inline element, without furniture inside it.
fn inline_text(el: ElementRef) -> String {
    let mut out = String::new();
    for child in el.children() {
        match child.value() {
            Node::Text(text) => out.push_str(text),
            Node::Element(e) if e.name() == "br" => out.push(' '),
            Node::Element(_) => {
                if let Some(c) = ElementRef::wrap(child) {
                    if !is_furniture(&c) {
                        out.push_str(&inline_text(c));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// All the text of a block, its nested blocks run together.
fn block_text(el: ElementRef) -> String {
    let mut out = String::new();
    for child in el.children() {
        match child.value() {
            Node::Text(text) => out.push_str(text),
            Node::Element(e) if e.name() == "br" => out.push(' '),
            Node::Element(e) => {
                if let Some(c) = ElementRef::wrap(child) {
                    if !is_furniture(&c) {
                        let inline = INLINE_TAGS.contains(&e.name());
                        if !inline {
                            out.push(' ');
                        }
                        out.push_str(&block_text(c));
                        if !inline {
                            out.push(' ');
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Runs of whitespace (line breaks, tabs, no-break spaces) to one space.
fn collapse(text: &str) -> String {
    text.split(|c: char| c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// What the page's head (and JSON-LD) says about the article.
#[derive(Default)]
struct Meta {
    og_title: Option<String>,
    title_tag: Option<String>,
    site_name: Option<String>,
    url: Option<String>,
    description: Option<String>,
    /// Candidate publication dates, best first.
    dates: Vec<String>,
}

impl Meta {
    fn read(document: &Html) -> Meta {
        let mut meta = Meta::default();
        let content_of = |css: &str| -> Option<String> {
            select(document, css).into_iter().find_map(|el| {
                el.value()
                    .attr("content")
                    .map(collapse)
                    .filter(|s| !s.is_empty())
            })
        };
        meta.og_title = content_of("meta[property='og:title'], meta[name='twitter:title']");
        meta.title_tag = select(document, "title")
            .first()
            .map(|t| collapse(&t.text().collect::<String>()))
            .filter(|s| !s.is_empty());
        meta.site_name = content_of("meta[property='og:site_name']");
        meta.description = content_of("meta[name='description'], meta[property='og:description']");
        meta.url = select(document, "link[rel='canonical']")
            .into_iter()
            .find_map(|l| l.value().attr("href").map(str::to_string))
            .or_else(|| content_of("meta[property='og:url']"));

        let mut ld = JsonLd::default();
        for script in select(document, "script[type='application/ld+json']") {
            let text: String = script.text().collect();
            if let Ok(value) = serde_json::from_str::<Value>(&text) {
                ld.read(&value);
            }
        }
        if meta.site_name.is_none() {
            meta.site_name = ld.publisher.clone();
        }
        if meta.og_title.is_none() {
            meta.og_title = ld.headline.clone();
        }

        for css in [
            "meta[property='article:published_time']",
            "meta[itemprop='datePublished']",
        ] {
            meta.dates.extend(content_of(css));
        }
        meta.dates.extend(ld.date_published.clone());
        meta.dates.extend(content_of(
            "meta[name='pubdate'], meta[name='publishdate'], meta[name='publish-date'], \
             meta[name='date'], meta[name='dc.date'], meta[name='DC.date'], \
             meta[name='DC.date.issued'], meta[name='dcterms.date'], meta[name='sailthru.date'], \
             meta[name='parsely-pub-date'], meta[property='og:published_time']",
        ));
        for el in select(document, "[itemprop='datePublished']") {
            if let Some(v) = el.value().attr("datetime").or(el.value().attr("content")) {
                meta.dates.push(v.trim().to_string());
            }
        }
        let times = select(document, "article time[datetime], time[datetime]");
        if let Some(t) = times.into_iter().find(|t| !in_furniture(t)) {
            if let Some(v) = t.value().attr("datetime") {
                meta.dates.push(v.trim().to_string());
            }
        }
        meta.dates.retain(|d| !d.is_empty());
        meta
    }
}

/// The fields of a JSON-LD `NewsArticle` (or any `*Article`), wherever it
/// stands: alone, in an array, or in an `@graph`.
#[derive(Default)]
struct JsonLd {
    headline: Option<String>,
    date_published: Option<String>,
    publisher: Option<String>,
}

impl JsonLd {
    fn read(&mut self, value: &Value) {
        match value {
            Value::Array(items) => items.iter().for_each(|v| self.read(v)),
            Value::Object(map) => {
                if let Some(graph) = map.get("@graph") {
                    self.read(graph);
                }
                let is_article = match map.get("@type") {
                    Some(Value::String(t)) => t.ends_with("Article") || t == "Report",
                    Some(Value::Array(ts)) => ts
                        .iter()
                        .any(|t| t.as_str().is_some_and(|t| t.ends_with("Article"))),
                    _ => false,
                };
                if !is_article {
                    return;
                }
                let text = |key: &str| map.get(key).and_then(Value::as_str).map(collapse);
                if self.headline.is_none() {
                    self.headline = text("headline");
                }
                if self.date_published.is_none() {
                    self.date_published = text("datePublished");
                }
                if self.publisher.is_none() {
                    self.publisher = match map.get("publisher") {
                        Some(Value::Object(p)) => {
                            p.get("name").and_then(Value::as_str).map(collapse)
                        }
                        Some(Value::String(s)) => Some(collapse(s)),
                        _ => None,
                    };
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(html: &str) -> Parts {
        parse(html, "p.html", &ParseOptions::default()).parts
    }

    #[test]
    fn a_news_page_gives_its_article_and_nothing_around_it() {
        let html = r#"<!doctype html><html><head>
<title>Harbour Dredging Resumes | The Coastal Ledger</title>
<meta property="og:site_name" content="The Coastal Ledger">
<meta property="article:published_time" content="2024-05-06T08:30:00+02:00">
<link rel="canonical" href="https://ledger.example/harbour">
<script>var tracking = "do not index";</script>
<style>.x { color: red }</style>
</head><body>
<div id="cookie-banner"><p>We use cookies to improve your visit.</p><button>Accept</button></div>
<nav><ul><li>Home</li><li>World</li></ul></nav>
<article>
<header><h1>Harbour Dredging Resumes After <em>Two-Year</em> Pause</h1>
<p class="byline">By A. Reporter</p></header>
<figure><img src="x.jpg"><figcaption>A dredger at work off the north pier.</figcaption></figure>
<p>Dredging of the main channel restarted on Monday, the port authority said.</p>
<p>The work had stopped in 2022 when funds ran out.<br>It should end in August.</p>
<div class="share-bar"><a>Share on X</a></div>
<aside class="related-articles"><h2>Related</h2><p>Other story text</p></aside>
</article>
<div class="newsletter-signup"><p>Sign up for our newsletter</p></div>
<footer><p>Copyright The Coastal Ledger</p></footer>
</body></html>"#;
        let p = page(html);
        assert_eq!(
            p.title.as_deref(),
            Some("Harbour Dredging Resumes After Two-Year Pause")
        );
        assert_eq!(p.date.as_deref(), Some("2024-05-06"));
        assert_eq!(p.source.as_deref(), Some("The Coastal Ledger"));
        assert_eq!(p.url.as_deref(), Some("https://ledger.example/harbour"));
        let all = format!("{p:?}");
        for junk in [
            "cookies",
            "Home",
            "tracking",
            "color",
            "Share on",
            "Other story",
            "newsletter",
            "Copyright",
            "Accept",
        ] {
            assert!(!all.contains(junk), "{junk} leaked: {all}");
        }
        assert!(all.contains("Dredging of the main channel"));
        assert!(all.contains("funds ran out. It should end in August."));
        assert!(all.contains("A dredger at work"));
    }

    #[test]
    fn title_and_date_fall_back_to_og_title_and_json_ld() {
        let html = r#"<html><head><title>Site | Page</title>
<meta property="og:title" content="Grain Corridor Reopens">
<script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"WebPage"},{"@type":"NewsArticle","headline":"Grain Corridor Reopens","datePublished":"2023-7-14","publisher":{"@type":"Organization","name":"Wire Desk"}}]}</script>
</head><body><main><p>Ships sailed again on Friday.</p></main></body></html>"#;
        let p = page(html);
        assert_eq!(p.title.as_deref(), Some("Grain Corridor Reopens"));
        assert_eq!(p.date.as_deref(), Some("2023-07-14"));
        assert_eq!(p.source.as_deref(), Some("Wire Desk"));
        let html = "<html><head><title>Only The Title Tag</title></head><body><p>Text.</p><time datetime=\"2020-01-02\">2 Jan</time></body></html>";
        let p = page(html);
        assert_eq!(p.title.as_deref(), Some("Only The Title Tag"));
        assert_eq!(p.date.as_deref(), Some("2020-01-02"));
    }

    #[test]
    fn a_brief_saved_as_html_has_the_sections_of_its_text_form() {
        let html = r#"<html><body><article>
<h1>Quito Hosts Andean Water Talks</h1>
<p class="lede">Peru and Ecuador met over a shared river basin.</p>
<h2>Key Takeaways</h2>
<ol><li>Both sides agreed on data sharing.</li><li>A second round is due in May.</li></ol>
<h3>Strategic Analysis</h3>
<p>Water is the quiet driver of Andean diplomacy.</p>
<p>China Daily Brief Editorial</p>
<p>The talks ran for two days.</p>
</article></body></html>"#;
        let p = page(html);
        assert_eq!(p.title.as_deref(), Some("Quito Hosts Andean Water Talks"));
        assert_eq!(
            p.summary.as_deref(),
            Some("Peru and Ecuador met over a shared river basin.")
        );
        assert_eq!(
            p.takeaways,
            vec![
                "Both sides agreed on data sharing.",
                "A second round is due in May."
            ]
        );
        assert_eq!(
            p.analysis.as_deref(),
            Some("Water is the quiet driver of Andean diplomacy.")
        );
        assert_eq!(p.source.as_deref(), Some("China Daily Brief"));
        assert_eq!(p.body, vec!["The talks ran for two days."]);
    }

    #[test]
    fn broken_markup_never_panics() {
        for html in [
            "",
            "<",
            "<p>unclosed <b>bold",
            "<article><h1></h1></article>",
            "\u{0}",
        ] {
            let _ = page(html);
        }
    }
}
