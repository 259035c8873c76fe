//! The bytes of a log file. Nothing outside this module knows where a length or a checksum
//! sits; docs/log-format.md describes the same layout for people.
//!
//! ```text
//! file   = header frame*
//! header = magic "DEMARCHE" (8) | format version u16 LE | flags u16 LE (0) | CRC32C of the 12 bytes before, u32 LE
//! frame  = body length u32 LE | CRC32C of those 4 length bytes, u32 LE | CRC32C of the body, u32 LE | body
//! body   = kind u8 | payload
//! ```
//!
//! The length carries its own checksum so that a damaged length is told apart from a frame the
//! writer never finished: only a frame whose header checks out can be called torn because the
//! file ends before its declared end.

/// The first eight bytes of every log.
pub const MAGIC: [u8; 8] = *b"DEMARCHE";
/// The version of this layout (header and frames; payload schemas are versioned apart).
pub const FORMAT_VERSION: u16 = 1;
pub const HEADER_LEN: usize = 16;
pub const FRAME_HEADER_LEN: usize = 12;
/// The largest body a frame may declare. Larger is damage, not a reason to allocate.
pub const MAX_BODY: u32 = crate::codec::MAX_DECODE as u32;

/// What a frame holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameKind {
    /// The scenario header, cast and starting state. Always the first frame, and only there.
    Genesis = 1,
    /// A batch of events with the strings they introduce.
    Events = 2,
}

impl FrameKind {
    pub fn from_byte(b: u8) -> Option<FrameKind> {
        match b {
            1 => Some(FrameKind::Genesis),
            2 => Some(FrameKind::Events),
            _ => None,
        }
    }
}

pub fn crc(bytes: &[u8]) -> u32 {
    crc32c::crc32c(bytes)
}

/// The header of a new log.
pub fn header() -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[..8].copy_from_slice(&MAGIC);
    h[8..10].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
    let c = crc(&h[..12]);
    h[12..16].copy_from_slice(&c.to_le_bytes());
    h
}

/// True when `bytes` start like a log (the magic), whatever else is wrong with them.
pub fn looks_like_log(bytes: &[u8]) -> bool {
    bytes.len() >= MAGIC.len() && bytes[..MAGIC.len()] == MAGIC
}

/// Checks the header; returns the format version.
pub fn check_header(bytes: &[u8]) -> Result<u16, String> {
    if bytes.len() < HEADER_LEN {
        return Err(format!(
            "the file is {} bytes long, shorter than a log header ({HEADER_LEN} bytes)",
            bytes.len()
        ));
    }
    if !looks_like_log(bytes) {
        return Err("not a demarche log (the file does not start with `DEMARCHE`)".into());
    }
    let stored = u32::from_le_bytes(bytes[12..16].try_into().expect("4 bytes"));
    if stored != crc(&bytes[..12]) {
        return Err("the log header is damaged (checksum mismatch)".into());
    }
    let version = u16::from_le_bytes([bytes[8], bytes[9]]);
    if version != FORMAT_VERSION {
        return Err(format!(
            "log format version {version}; this build reads version {FORMAT_VERSION}"
        ));
    }
    Ok(version)
}

/// Appends a whole frame to `out`, or says why it cannot be one frame (its body would be
/// over [`MAX_BODY`] bytes).
pub fn write_frame(kind: FrameKind, payload: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
    let len = match u32::try_from(payload.len() + 1) {
        Ok(n) if n <= MAX_BODY => n,
        _ => {
            return Err(format!(
                "a frame of {} bytes would exceed the largest a log allows ({MAX_BODY} bytes)",
                payload.len() + 1
            ));
        }
    };
    let len_bytes = len.to_le_bytes();
    out.extend_from_slice(&len_bytes);
    out.extend_from_slice(&crc(&len_bytes).to_le_bytes());
    let mut digest = crc32c::crc32c(&[kind as u8]);
    digest = crc32c::crc32c_append(digest, payload);
    out.extend_from_slice(&digest.to_le_bytes());
    out.push(kind as u8);
    out.extend_from_slice(payload);
    Ok(())
}

/// One frame read in place.
#[derive(Clone, Copy, Debug)]
pub struct Frame<'a> {
    pub kind: FrameKind,
    pub payload: &'a [u8],
    /// The frame's first byte in the file.
    pub offset: usize,
    /// The byte after the frame.
    pub end: usize,
    /// The frame's length and body checksum as stored (what the prefix fingerprint chains).
    pub len: u32,
    pub crc: u32,
}

/// Why a last frame of full length fails its body checksum: damage, not a torn write.
pub const LAST_FRAME_DAMAGED: &str = "the last frame is whole (its length checks out and every byte of it is there) but its checksum does not match its bytes";

/// What lies at an offset.
#[derive(Clone, Debug)]
pub enum Next<'a> {
    Frame(Frame<'a>),
    /// The end of the file, exactly after a whole frame.
    End,
    /// An unfinished last frame: the file ends inside it, or only zero bytes remain. What a
    /// crash mid-append leaves.
    Torn(String),
    /// A frame that cannot be read and is not the last thing in the file.
    Damaged(String),
}

/// Reads the frame at `at` in `buf` (the whole file, or all of it read so far).
pub fn next_frame(buf: &[u8], at: usize) -> Next<'_> {
    let rest = &buf[at.min(buf.len())..];
    if rest.is_empty() {
        return Next::End;
    }
    let zeros = || rest.iter().all(|&b| b == 0);
    if rest.len() < FRAME_HEADER_LEN {
        return Next::Torn(format!(
            "the file ends {} bytes into a frame header",
            rest.len()
        ));
    }
    let word = |i: usize| u32::from_le_bytes(rest[i..i + 4].try_into().expect("4 bytes"));
    let (len, len_crc, body_crc) = (word(0), word(4), word(8));
    if crc(&rest[..4]) != len_crc {
        if zeros() {
            return Next::Torn(format!("{} zero bytes where a frame should be", rest.len()));
        }
        return Next::Damaged("a frame length is damaged (its checksum does not match)".into());
    }
    if len == 0 || len > MAX_BODY {
        return Next::Damaged(format!(
            "a frame declares {len} bytes, outside 1..={MAX_BODY}"
        ));
    }
    let end = FRAME_HEADER_LEN + len as usize;
    if rest.len() < end {
        return Next::Torn(format!(
            "a frame of {len} bytes is cut after {} bytes",
            rest.len() - FRAME_HEADER_LEN
        ));
    }
    let body = &rest[FRAME_HEADER_LEN..end];
    if crc(body) != body_crc {
        // The whole frame is there and its length checks out: the writer finished writing
        // it, so this is damage, even as the last frame (a torn write ends the file early).
        return Next::Damaged(if rest.len() == end {
            LAST_FRAME_DAMAGED.into()
        } else {
            "a frame's checksum does not match its bytes".into()
        });
    }
    let Some(kind) = FrameKind::from_byte(body[0]) else {
        return Next::Damaged(format!("unknown frame kind {}", body[0]));
    };
    Next::Frame(Frame {
        kind,
        payload: &body[1..],
        offset: at,
        end: at + end,
        len,
        crc: body_crc,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log_of(payloads: &[&[u8]]) -> Vec<u8> {
        let mut buf = header().to_vec();
        for p in payloads {
            write_frame(FrameKind::Events, p, &mut buf).unwrap();
        }
        buf
    }

    #[test]
    fn frames_read_back_in_order() {
        let buf = log_of(&[b"one", b"two!"]);
        check_header(&buf).unwrap();
        let Next::Frame(a) = next_frame(&buf, HEADER_LEN) else {
            panic!()
        };
        assert_eq!(a.payload, b"one");
        let Next::Frame(b) = next_frame(&buf, a.end) else {
            panic!()
        };
        assert_eq!(b.payload, b"two!");
        assert!(matches!(next_frame(&buf, b.end), Next::End));
    }

    #[test]
    fn a_cut_last_frame_is_torn_and_a_damaged_middle_frame_is_not() {
        let buf = log_of(&[b"one", b"two!"]);
        let Next::Frame(a) = next_frame(&buf, HEADER_LEN) else {
            panic!()
        };
        for cut in a.end + 1..buf.len() {
            assert!(
                matches!(next_frame(&buf[..cut], a.end), Next::Torn(_)),
                "cut {cut}"
            );
        }
        let mut bad = buf.clone();
        bad[a.end - 1] ^= 1;
        assert!(matches!(next_frame(&bad, HEADER_LEN), Next::Damaged(_)));
        let mut bad = buf.clone();
        bad[HEADER_LEN] ^= 0x80;
        assert!(matches!(next_frame(&bad, HEADER_LEN), Next::Damaged(_)));
        let mut zeroed = buf[..a.end].to_vec();
        zeroed.extend_from_slice(&[0; 40]);
        assert!(matches!(next_frame(&zeroed, a.end), Next::Torn(_)));
    }

    #[test]
    fn a_whole_last_frame_whose_checksum_fails_is_damage_not_a_torn_write() {
        let buf = log_of(&[b"one", b"two!"]);
        let Next::Frame(a) = next_frame(&buf, HEADER_LEN) else {
            panic!()
        };
        let mut bad = buf.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert!(
            matches!(next_frame(&bad, a.end), Next::Damaged(ref why) if why == LAST_FRAME_DAMAGED)
        );
    }

    #[test]
    fn ack_records_read_back_and_refuse_damage() {
        let a = AckRecord {
            last_seq: 42,
            end: 9000,
            fingerprint: [7; 32],
            genesis: [9; 32],
        };
        let mut bytes = Vec::new();
        a.write(&mut bytes);
        assert_eq!(bytes.len(), ACK_LEN);
        assert_eq!(AckRecord::read(&bytes), Ok(a));
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x20;
            assert!(AckRecord::read(&bad).is_err(), "byte {i}");
        }
        assert!(AckRecord::read(&bytes[..ACK_LEN - 1]).is_err());
    }

    #[test]
    fn header_checks() {
        assert!(check_header(b"DEMARCH").is_err());
        let mut h = header();
        assert_eq!(check_header(&h), Ok(FORMAT_VERSION));
        h[9] ^= 1;
        assert!(check_header(&h).is_err());
    }
}

/// The fixed start of an events payload.
///
/// Record schemas 1 and 2 (logs that stored commands only) have an 18-byte header: schema,
/// first sequence, count, string bytes. Schema 3 (commands with their facts) adds the bytes of
/// the commands section and the first and last dates of the frame's events, so that a reader
/// finds the frames a date needs from the headers alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventsHeader {
    pub schema: u16,
    /// The sequence of the first event in the frame (the log numbers events from 1).
    pub first_seq: u64,
    pub count: u32,
    /// Bytes of the string section that follows this header.
    pub strings_len: u32,
    /// Schema 3: bytes of the commands section that follows the strings; the facts section
    /// fills the rest of the payload. 0 for older schemas.
    pub commands_len: u32,
    /// Schema 3: the dates of the first and last events (day numbers). 0 for older schemas.
    pub first_date: i32,
    pub last_date: i32,
    /// Schema 3: bytes of the id filter that follows this header (see [`super::filter`]).
    pub filter_len: u32,
}

pub const EVENTS_HEADER_LEN_V1: usize = 18;
pub const EVENTS_HEADER_LEN: usize = 34;

/// The sections of an events payload after its header.
pub struct Sections<'a> {
    /// Schema 3: the filter of the frame's event ids (empty for older schemas).
    pub filter: &'a [u8],
    pub strings: &'a [u8],
    pub commands: &'a [u8],
    pub facts: &'a [u8],
}

impl EventsHeader {
    /// The bytes of this header.
    pub fn size(&self) -> usize {
        if self.schema >= 3 {
            EVENTS_HEADER_LEN
        } else {
            EVENTS_HEADER_LEN_V1
        }
    }

    pub fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.schema.to_le_bytes());
        out.extend_from_slice(&self.first_seq.to_le_bytes());
        out.extend_from_slice(&self.count.to_le_bytes());
        out.extend_from_slice(&self.strings_len.to_le_bytes());
        if self.schema >= 3 {
            out.extend_from_slice(&self.commands_len.to_le_bytes());
            out.extend_from_slice(&self.first_date.to_le_bytes());
            out.extend_from_slice(&self.last_date.to_le_bytes());
            out.extend_from_slice(&self.filter_len.to_le_bytes());
        }
    }

    /// Reads the header at the front of an events payload (or of its first bytes).
    pub fn parse(payload: &[u8]) -> Result<EventsHeader, String> {
        let short = || {
            format!(
                "an events frame of {} bytes is shorter than its header",
                payload.len()
            )
        };
        if payload.len() < EVENTS_HEADER_LEN_V1 {
            return Err(short());
        }
        let u32_at = |i: usize| u32::from_le_bytes(payload[i..i + 4].try_into().expect("4 bytes"));
        let mut h = EventsHeader {
            schema: u16::from_le_bytes(payload[0..2].try_into().expect("2 bytes")),
            first_seq: u64::from_le_bytes(payload[2..10].try_into().expect("8 bytes")),
            count: u32_at(10),
            strings_len: u32_at(14),
            commands_len: 0,
            first_date: 0,
            last_date: 0,
            filter_len: 0,
        };
        if h.schema >= 3 {
            if payload.len() < EVENTS_HEADER_LEN {
                return Err(short());
            }
            h.commands_len = u32_at(18);
            h.first_date = u32_at(22) as i32;
            h.last_date = u32_at(26) as i32;
            h.filter_len = u32_at(30);
        }
        Ok(h)
    }

    /// Splits an events payload into its header and sections.
    pub fn read(payload: &[u8]) -> Result<(EventsHeader, Sections<'_>), String> {
        let h = EventsHeader::parse(payload)?;
        let rest = &payload[h.size()..];
        let filter = h.filter_len as usize;
        let (strings, commands) = (h.strings_len as usize, h.commands_len as usize);
        if filter + strings + commands > rest.len() {
            return Err(format!(
                "an events frame declares {} bytes of strings and {} of commands but holds {}",
                h.strings_len,
                h.commands_len,
                rest.len()
            ));
        }
        let (filter, rest) = rest.split_at(filter);
        let (strings, rest) = rest.split_at(strings);
        let (commands, facts) = if h.schema >= 3 {
            rest.split_at(commands)
        } else {
            (rest, &rest[rest.len()..])
        };
        Ok((
            h,
            Sections {
                filter,
                strings,
                commands,
                facts,
            },
        ))
    }
}

/// The fixed header of a snapshot file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotHeader {
    /// Events the snapshot's state includes (sequences 1..=count).
    pub count: u64,
    /// The byte of the log right after the frame holding event `count`.
    pub offset: u64,
    /// The log prefix fingerprint at `offset`.
    pub fingerprint: [u8; 32],
    /// The build that wrote it: a snapshot is a cache tied to the state layout of its build.
    pub build: [u8; 16],
    pub state_crc: u32,
    pub state_len: u64,
    /// The state's clock (day number): which `--at` dates the snapshot can serve, without
    /// decoding it. Checked against the state it carries when loaded.
    pub clock: i32,
    /// The date of the last event the state includes (day number; the start for none): the
    /// snapshot serves `--at` dates from this one on.
    pub last_date: i32,
}

pub const SNAPSHOT_MAGIC: [u8; 8] = *b"DEMSNAP2";
/// Magic, fields, then the CRC32C of every byte before it.
pub const SNAPSHOT_HEADER_LEN: usize = 8 + 8 + 8 + 32 + 16 + 4 + 8 + 4 + 4 + 4;

impl SnapshotHeader {
    pub fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&SNAPSHOT_MAGIC);
        out.extend_from_slice(&self.count.to_le_bytes());
        out.extend_from_slice(&self.offset.to_le_bytes());
        out.extend_from_slice(&self.fingerprint);
        out.extend_from_slice(&self.build);
        out.extend_from_slice(&self.state_crc.to_le_bytes());
        out.extend_from_slice(&self.state_len.to_le_bytes());
        out.extend_from_slice(&self.clock.to_le_bytes());
        out.extend_from_slice(&self.last_date.to_le_bytes());
        let start = out.len() - (SNAPSHOT_HEADER_LEN - 4);
        let c = crc(&out[start..]);
        out.extend_from_slice(&c.to_le_bytes());
    }

    pub fn read(bytes: &[u8]) -> Result<SnapshotHeader, String> {
        if bytes.len() < SNAPSHOT_HEADER_LEN || bytes[..8] != SNAPSHOT_MAGIC {
            return Err("not a snapshot file of this format".into());
        }
        let end = SNAPSHOT_HEADER_LEN - 4;
        let stored = u32::from_le_bytes(bytes[end..end + 4].try_into().expect("4 bytes"));
        if stored != crc(&bytes[..end]) {
            return Err("its header is damaged (checksum mismatch)".into());
        }
        let u64_at = |i: usize| u64::from_le_bytes(bytes[i..i + 8].try_into().expect("8 bytes"));
        Ok(SnapshotHeader {
            count: u64_at(8),
            offset: u64_at(16),
            fingerprint: bytes[24..56].try_into().expect("32 bytes"),
            build: bytes[56..72].try_into().expect("16 bytes"),
            state_crc: u32::from_le_bytes(bytes[72..76].try_into().expect("4 bytes")),
            state_len: u64_at(76),
            clock: i32::from_le_bytes(bytes[84..88].try_into().expect("4 bytes")),
            last_date: i32::from_le_bytes(bytes[88..92].try_into().expect("4 bytes")),
        })
    }
}

/// The writer's record of the last acknowledged append, in `<log>.ack` beside the log: it
/// proves how long the log was, so a log shortened since (frames dropped from its end, an older
/// copy put in its place) is found, and an unreadable frame past it, which no one was told
/// is durable, is known to be a torn write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AckRecord {
    /// The last acknowledged sequence (0 for a log without events).
    pub last_seq: u64,
    /// The byte right after the frame holding `last_seq`.
    pub end: u64,
    /// The log prefix fingerprint at `end`.
    pub fingerprint: [u8; 32],
    /// The prefix fingerprint right after the genesis frame: which log the record belongs to.
    pub genesis: [u8; 32],
}

pub const ACK_MAGIC: [u8; 8] = *b"DEMACK01";
/// Magic, fields, then the CRC32C of every byte before it.
pub const ACK_LEN: usize = 8 + 8 + 8 + 32 + 32 + 4;

impl AckRecord {
    pub fn write(&self, out: &mut Vec<u8>) {
        let start = out.len();
        out.extend_from_slice(&ACK_MAGIC);
        out.extend_from_slice(&self.last_seq.to_le_bytes());
        out.extend_from_slice(&self.end.to_le_bytes());
        out.extend_from_slice(&self.fingerprint);
        out.extend_from_slice(&self.genesis);
        let c = crc(&out[start..]);
        out.extend_from_slice(&c.to_le_bytes());
    }

    pub fn read(bytes: &[u8]) -> Result<AckRecord, String> {
        if bytes.len() != ACK_LEN || bytes[..8] != ACK_MAGIC {
            return Err("not an acknowledgement record of this format".into());
        }
        let end = ACK_LEN - 4;
        let stored = u32::from_le_bytes(bytes[end..].try_into().expect("4 bytes"));
        if stored != crc(&bytes[..end]) {
            return Err("damaged (checksum mismatch)".into());
        }
        let u64_at = |i: usize| u64::from_le_bytes(bytes[i..i + 8].try_into().expect("8 bytes"));
        Ok(AckRecord {
            last_seq: u64_at(8),
            end: u64_at(16),
            fingerprint: bytes[24..56].try_into().expect("32 bytes"),
            genesis: bytes[56..88].try_into().expect("32 bytes"),
        })
    }
}
