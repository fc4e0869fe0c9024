//! Offset/limit pagination for the 19 operations that take both: pages, or items across
//! pages, each with an async `next()` (no `futures` needed).
//!
//! The offset advances by the number of items received. Paging stops at an empty page, once
//! the offset reaches the total the service reports, or when an answer would not move the
//! offset forward (a server that ignores `offset` must not make us loop); the first error is
//! returned and ends the paging.

use crate::call::{send_request, CallBuilder, Output, RequestOptions};
use crate::{DcsClient, Error};
use dcs_model::Paginated;
use std::collections::VecDeque;

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
            request,
            options,
            done: false,
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
    done: bool,
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
        let n = O::items(page.value()).len() as i64;
        let next = offset.saturating_add(n);
        let reached_total = O::total(page.value()).is_some_and(|t| next >= t);
        if n == 0 || reached_total || next <= offset {
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
