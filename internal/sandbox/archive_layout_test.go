package sandbox

import "testing"

// The layout's arithmetic, for every size over a wide range: an archive is
// exactly the size asked for from 3101 bytes on, and the smallest one below.
func TestArchiveLayout(t *testing.T) {
	size := func(data, pad int64) int64 {
		return gzipHeaderLen + pad + deflatedLen(fixedTarLen+data) + gzipTrailerLen
	}
	if got := size(archiveLayout(1)); got != minArchiveSize || minArchiveSize != 3095 {
		t.Fatalf("smallest archive %d bytes, minArchiveSize %d; want 3095", got, minArchiveSize)
	}
	for want := int64(1); want < 400_000; want += 1 + want/5000 {
		data, pad := archiveLayout(want)
		got := size(data, pad)
		switch {
		case data%tarBlock != 0 || pad < 0 || pad > 0 && pad < extraOverhead || pad-2 > 0xffff:
			t.Fatalf("size %d: data %d, pad %d", want, data, pad)
		case want >= 3101 && got != want, want < 3101 && got > 3101:
			t.Fatalf("size %d: archive of %d bytes (data %d, pad %d)", want, got, data, pad)
		}
	}
	for _, want := range []int64{64 << 20, 256 << 20, MaxArchiveSize} {
		if data, pad := archiveLayout(want); size(data, pad) != want || pad > 1024 {
			t.Errorf("size %d: data %d, pad %d", want, data, pad)
		}
	}
}
