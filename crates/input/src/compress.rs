//! Streams: decompression (gzip, zstd, bzip2) and transcoding to UTF-8,
//! both as `Read` adapters so that nothing is unpacked to disk.

use crate::sniff::Compression;
use encoding_rs::{CoderResult, Decoder, Encoding};
use std::io::{self, Read};

/// A decompressing reader around `inner`.
pub fn decompress<'r>(c: Compression, inner: Box<dyn Read + 'r>) -> io::Result<Box<dyn Read + 'r>> {
    Ok(match c {
        // concatenated gzip members (as `cat a.gz b.gz`) are one stream
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(inner)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(inner)?),
        Compression::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(inner)),
    })
}

/// Up to `n` first bytes of `r`, and a reader that still yields them.
pub fn peek<'r>(mut r: Box<dyn Read + 'r>, n: usize) -> io::Result<(Vec<u8>, Box<dyn Read + 'r>)> {
    let mut head = Vec::with_capacity(n);
    (&mut r).take(n as u64).read_to_end(&mut head)?;
    let again = io::Cursor::new(head.clone()).chain(r);
    Ok((head, Box::new(again)))
}

/// Decodes `inner` from `encoding` to UTF-8 as it is read (malformed
/// sequences become U+FFFD).
pub struct Transcode<R> {
    inner: R,
    decoder: Decoder,
    input: Vec<u8>,
    in_start: usize,
    in_end: usize,
    eof: bool,
    output: Vec<u8>,
    out_start: usize,
    out_end: usize,
    finished: bool,
}

impl<R: Read> Transcode<R> {
    pub fn new(inner: R, encoding: &'static Encoding) -> Self {
        Transcode {
            inner,
            decoder: encoding.new_decoder_without_bom_handling(),
            input: vec![0; 1 << 16],
            in_start: 0,
            in_end: 0,
            eof: false,
            output: vec![0; 3 << 16],
            out_start: 0,
            out_end: 0,
            finished: false,
        }
    }
}

impl<R: Read> Read for Transcode<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.out_start == self.out_end {
            if self.finished {
                return Ok(0);
            }
            if self.in_start == self.in_end && !self.eof {
                let n = self.inner.read(&mut self.input)?;
                self.in_start = 0;
                self.in_end = n;
                self.eof = n == 0;
            }
            let (result, read, written, _) = self.decoder.decode_to_utf8(
                &self.input[self.in_start..self.in_end],
                &mut self.output,
                self.eof,
            );
            self.in_start += read;
            self.out_start = 0;
            self.out_end = written;
            if self.eof && result == CoderResult::InputEmpty {
                self.finished = true;
            }
        }
        let n = buf.len().min(self.out_end - self.out_start);
        buf[..n].copy_from_slice(&self.output[self.out_start..self.out_start + n]);
        self.out_start += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transcodes_across_buffer_edges() {
        let text = "标题,内容\n英伟达,光模块需求旺盛\n".repeat(20_000);
        let (gbk, _, _) = encoding_rs::GBK.encode(&text);
        let mut out = String::new();
        Transcode::new(io::Cursor::new(gbk.into_owned()), encoding_rs::GB18030)
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, text);
    }

    #[test]
    fn round_trips() {
        use std::io::Write;
        let text = "{\"text\":\"超节点\"}\n".repeat(1000);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(text.as_bytes()).unwrap();
        let gz = gz.finish().unwrap();
        let zst = zstd::encode_all(text.as_bytes(), 3).unwrap();
        let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
        bz.write_all(text.as_bytes()).unwrap();
        let bz = bz.finish().unwrap();
        for bytes in [gz, zst, bz] {
            let c = Compression::of_bytes(&bytes).unwrap();
            let mut out = String::new();
            decompress(c, Box::new(io::Cursor::new(bytes)))
                .unwrap()
                .read_to_string(&mut out)
                .unwrap();
            assert_eq!(out, text, "{c:?}");
        }
    }
}
