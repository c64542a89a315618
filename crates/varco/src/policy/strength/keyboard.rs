//! Keyboard adjacency graphs for spatial patterns (`qwerty`, `zxcvbn`, `7896`).
//!
//! Layouts are written as rows of keys (unshifted and shifted character) and
//! turned into neighbour tables once. The QWERTY rows are "slanted" (each row
//! half a key right of the one above), as on real keyboards; the keypad is a
//! straight grid. The Italian QWERTY layout puts the same letters in the same
//! places, so the letter patterns people type are the same.

use std::collections::HashSet;
use std::sync::OnceLock;

/// A key's position (column, row) and whether the character is its shifted one.
type Key = (i32, i32, bool);

/// A keyboard: for each character, its key position and whether it is the
/// shifted character of that key.
pub(crate) struct Keyboard {
    /// Indexed by character; every key of both layouts is ASCII.
    keys: [Option<Key>; 128],
    directions: &'static [(i32, i32)],
    /// Number of characters that start a pattern (zxcvbn's "starting positions").
    pub(crate) starts: f64,
    /// Average number of neighbours per key.
    pub(crate) degree: f64,
}

const SLANTED: &[(i32, i32)] = &[(-1, 0), (0, -1), (1, -1), (1, 0), (0, 1), (-1, 1)];
const ALIGNED: &[(i32, i32)] = &[
    (-1, 0),
    (-1, -1),
    (0, -1),
    (1, -1),
    (1, 0),
    (1, 1),
    (0, 1),
    (-1, 1),
];

impl Keyboard {
    // Keyboards have a handful of rows of under 20 keys: the casts fit.
    #[allow(clippy::cast_possible_truncation)]
    fn build(rows: &[(i32, &str)], directions: &'static [(i32, i32)]) -> Keyboard {
        let mut keys = [None; 128];
        let mut grid = HashSet::new();
        for (y, (x0, row)) in rows.iter().enumerate() {
            for (i, key) in row.split(' ').filter(|k| !k.is_empty()).enumerate() {
                let mut cs = key.chars();
                let base = cs.next().unwrap_or(' ');
                let shifted = cs.next().unwrap_or(base);
                let pos = (x0 + i as i32, y as i32);
                grid.insert(pos);
                for (c, is_shifted) in [(shifted, true), (base, false)] {
                    if let Some(slot) = keys.get_mut(c as usize) {
                        *slot = Some((pos.0, pos.1, is_shifted));
                    }
                }
            }
        }
        let mut total_degree = 0usize;
        for &(x, y) in &grid {
            total_degree += directions
                .iter()
                .filter(|(dx, dy)| grid.contains(&(x + dx, y + dy)))
                .count();
        }
        let degree = total_degree as f64 / grid.len() as f64;
        Keyboard {
            starts: keys.iter().flatten().count() as f64,
            keys,
            directions,
            degree,
        }
    }

    /// The direction index from `a` to `b` if they are neighbours, and
    /// whether `b` is a shifted character.
    pub(crate) fn step(&self, a: char, b: char) -> Option<(usize, bool)> {
        let (ax, ay, _) = self.key(a)?;
        let (bx, by, shifted) = self.key(b)?;
        let d = (bx - ax, by - ay);
        let dir = self.directions.iter().position(|&x| x == d)?;
        Some((dir, shifted))
    }

    /// Whether `c` is a shifted character on this keyboard.
    pub(crate) fn is_shifted(&self, c: char) -> bool {
        self.key(c).is_some_and(|k| k.2)
    }

    fn key(&self, c: char) -> Option<Key> {
        *self.keys.get(c as usize)?
    }
}

/// The US/Italian QWERTY letter block with its digit and symbol rows.
pub(crate) fn qwerty() -> &'static Keyboard {
    static K: OnceLock<Keyboard> = OnceLock::new();
    K.get_or_init(|| {
        Keyboard::build(
            &[
                (0, "`~ 1! 2@ 3# 4$ 5% 6^ 7& 8* 9( 0) -_ =+"),
                (1, "qQ wW eE rR tT yY uU iI oO pP [{ ]} \\|"),
                (1, "aA sS dD fF gG hH jJ kK lL ;: '\""),
                (1, "zZ xX cC vV bB nN mM ,< .> /?"),
            ],
            SLANTED,
        )
    })
}

/// The numeric keypad.
pub(crate) fn keypad() -> &'static Keyboard {
    static K: OnceLock<Keyboard> = OnceLock::new();
    K.get_or_init(|| {
        Keyboard::build(
            &[
                (1, "/ * -"),
                (0, "7 8 9 +"),
                (0, "4 5 6"),
                (0, "1 2 3"),
                (1, "0 ."),
            ],
            ALIGNED,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qwerty_neighbours() {
        let k = qwerty();
        assert!(k.step('q', 'w').is_some());
        assert!(k.step('q', 'a').is_some());
        assert!(k.step('q', '1').is_some());
        assert!(k.step('q', '2').is_some());
        assert!(k.step('q', 'e').is_none());
        assert_eq!(k.step('a', 'S'), Some((3, true)));
        assert!(k.step('z', 'a').is_some() && k.step('z', 's').is_some());
        assert!(k.degree > 3.0 && k.degree < 6.0);
    }

    #[test]
    fn keypad_neighbours() {
        let k = keypad();
        assert!(k.step('7', '8').is_some());
        assert!(k.step('7', '5').is_some());
        assert!(k.step('1', '0').is_some());
        assert!(k.step('7', '9').is_none());
    }
}
