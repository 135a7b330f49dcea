//! [`Iter`]: a double-ended walk over a range of a list's elements.

use std::collections::VecDeque;

use super::node::Node;
use crate::packed;

/// Double-ended iterator over a range of a [`List`](super::List)'s elements.
#[derive(Clone)]
pub struct Iter<'a> {
    pub(super) nodes: &'a VecDeque<Node>,
    /// Node and byte position of the next element from the front.
    pub(super) front: (usize, usize),
    /// Node and byte end of the next element from the back.
    pub(super) back: (usize, usize),
    pub(super) remaining: usize,
}

impl<'a> Iter<'a> {
    pub(super) fn empty(nodes: &'a VecDeque<Node>) -> Self {
        Iter { nodes, front: (0, 0), back: (0, 0), remaining: 0 }
    }
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.remaining == 0 {
            return None;
        }
        let nodes = self.nodes;
        let mut node = nodes.get(self.front.0)?;
        while self.front.1 >= node.len() {
            self.front = (self.front.0 + 1, 0);
            node = nodes.get(self.front.0)?;
        }
        let (item, next) = packed::read_entry(node.bytes(), self.front.1, true)?;
        self.front.1 = next;
        self.remaining -= 1;
        Some(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        let nodes = self.nodes;
        let mut node = nodes.get(self.back.0)?;
        while self.back.1 == 0 {
            self.back.0 = self.back.0.checked_sub(1)?;
            node = nodes.get(self.back.0)?;
            self.back.1 = node.len();
        }
        let (item, start) = packed::read_entry_back(node.bytes(), self.back.1)?;
        self.back.1 = start;
        self.remaining -= 1;
        Some(item)
    }
}

impl ExactSizeIterator for Iter<'_> {}
