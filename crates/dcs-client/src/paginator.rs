//! Offset/limit pagination for the 19 operations that take both: pages, or items across
//! pages, each with an async `next()` (no `futures` needed).
//!
//! The offset advances by the number of items received. Paging stops at an empty page, or
//! once the offset reaches the total the service reports. A service that ignores `offset`
//! must not make us loop: a page that repeats an earlier one (the same items), or more pages
//! than the reported total allows at the service's page size, ends the paging with an error
//! of kind [`ErrorKind::Paging`](crate::ErrorKind::Paging) instead of that page. The first
//! error is returned and ends the paging.

use crate::call::{send_request, CallBuilder, Output, RequestOptions};
use crate::{DcsClient, Error};
use dcs_model::Paginated;
use std::collections::{HashMap, VecDeque};
use std::hash::Hasher;

impl<O: Paginated> CallBuilder<O> {
    /// Pages through every result from the request's `offset` (0 when unset), `limit` items
    /// at a time (the service's default when unset).
    pub fn into_paginator(self) -> Paginator<O> {
        let client = self.client().clone();
        let options = self.options().clone();
        let request = self.into_request();
        Paginator {
            client,
            next_offset: request.offset().unwrap_or(0),
            start_offset: request.offset().unwrap_or(0),
            request,
            options,
            done: false,
            seen: HashMap::new(),
            pages: 0,
            page_size: None,
        }
    }
}

/// Pages of an offset/limit operation.
#[derive(Debug)]
pub struct Paginator<O: Paginated> {
    client: DcsClient,
    request: O,
    options: RequestOptions,
    next_offset: i64,
    start_offset: i64,
    done: bool,
    /// A fingerprint of every page received so far, with the offset it was asked at.
    seen: HashMap<u64, i64>,
    /// Pages received.
    pages: u64,
    /// The service's page size: the first page's length.
    page_size: Option<i64>,
}

/// A fingerprint of a page: its length and every item's `Debug` text, hashed without
/// building the text.
fn fingerprint<T: std::fmt::Debug>(items: &[T]) -> u64 {
    struct Feed(std::collections::hash_map::DefaultHasher);
    impl std::fmt::Write for Feed {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            self.0.write(s.as_bytes());
            Ok(())
        }
    }
    let mut feed = Feed(std::collections::hash_map::DefaultHasher::new());
    feed.0.write_usize(items.len());
    for item in items {
        let _ = std::fmt::write(&mut feed, format_args!("{item:?}"));
        feed.0.write_u8(0xff);
    }
    feed.0.finish()
}

impl<O: Paginated> Paginator<O> {
    /// The next page, or `None` when paging is over.
    pub async fn next(&mut self) -> Option<Result<Output<O::Output>, Error>> {
        if self.done {
            return None;
        }
        let offset = self.next_offset;
        self.request.set_offset(offset);
        let page = match send_request(&self.client, &self.request, &self.options).await {
            Ok(p) => p,
            Err(e) => {
                self.done = true;
                return Some(Err(e));
            }
        };
        let items = O::items(page.value());
        let n = items.len() as i64;
        self.pages += 1;
        if n > 0 {
            if let Some(&earlier) = self.seen.get(&fingerprint(items)) {
                self.done = true;
                return Some(Err(Error::paging(
                    O::META.name,
                    format!(
                        "the service ignored `offset`: the page at offset {offset} repeats the \
                         page at offset {earlier} ({n} items); paging stopped after {} pages",
                        self.pages
                    ),
                    page.into_response(),
                )));
            }
            self.seen.insert(fingerprint(items), offset);
        }
        let page_size = *self.page_size.get_or_insert(n.max(1));
        let total = O::total(page.value());
        if let Some(t) = total.filter(|&t| t >= 0) {
            // Pages needed to reach the total at the service's page size, and one more for
            // a total that grew while we paged.
            let span = t.saturating_sub(self.start_offset).max(0);
            let bound = (span / page_size + i64::from(span % page_size != 0) + 1) as u64;
            if self.pages > bound {
                self.done = true;
                return Some(Err(Error::paging(
                    O::META.name,
                    format!(
                        "the service ignored `offset`: it sent {} pages where its total of {t} \
                         at {page_size} a page allows {bound}; paging stopped",
                        self.pages
                    ),
                    page.into_response(),
                )));
            }
        }
        let next = offset.saturating_add(n);
        let reached_total = total.is_some_and(|t| next >= t);
        if n == 0 || reached_total {
            self.done = true;
        }
        self.next_offset = next;
        Some(Ok(page))
    }

    /// The items across pages, one at a time.
    pub fn items(self) -> ItemPaginator<O> {
        ItemPaginator {
            pages: self,
            buffer: VecDeque::new(),
        }
    }
}

/// Items of an offset/limit operation, across pages.
#[derive(Debug)]
pub struct ItemPaginator<O: Paginated> {
    pages: Paginator<O>,
    buffer: VecDeque<O::Item>,
}

impl<O: Paginated> ItemPaginator<O> {
    /// The next item, or `None` when every page was read.
    pub async fn next(&mut self) -> Option<Result<O::Item, Error>> {
        loop {
            if let Some(item) = self.buffer.pop_front() {
                return Some(Ok(item));
            }
            match self.pages.next().await? {
                Ok(page) => self.buffer.extend(O::into_items(page.into_inner())),
                Err(e) => return Some(Err(e)),
            }
        }
    }

    /// Every remaining item, or the first error.
    pub async fn try_collect(mut self) -> Result<Vec<O::Item>, Error> {
        let mut all = Vec::new();
        while let Some(item) = self.next().await {
            all.push(item?);
        }
        Ok(all)
    }
}
