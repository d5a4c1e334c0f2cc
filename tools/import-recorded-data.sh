#!/bin/sh
# Rebuild the shipped market catalogs from the recorded ccxt dumps, in date order (each import adds only the versions
# that changed; running it again changes nothing).  DATA is the folder of recorded inputs
# (ccxt-shaped load_markets()/fetch_leverage_tiers() dumps); RETRIEVED is when they were read.  DATA23 is the
# folder of the later round's dumps (issue 23: GoCryptoTrader's recorded exchangeInfo answers, Hyperliquid's 2023-03-27
# meta, Bybit's 2023-08-16 symbols), read on RETRIEVED23; they come last, as they were imported (an earlier-dated version of data already in the
# catalog moves that version's effective date back, so the order decides which source a version names).
# How those dumps were assembled from public recordings, source by source: tools/recorded-data-PROVENANCE.md.
set -eu
DATA=${DATA:?set DATA to the folder of recorded ccxt dumps (load_markets/fetch_leverage_tiers JSON and their PROVENANCE.md)}
DATA23=${DATA23:?set DATA23 to the folder of the issue-23 recorded dumps (its PROVENANCE.md: tools/recorded-data-PROVENANCE.md)}
RETRIEVED=${RETRIEVED:-2026-11-28}
RETRIEVED23=${RETRIEVED23:-2026-12-07}
MV=${MV:-margin-verifier}
DATA=$(cd "$DATA" && pwd)
DATA23=$(cd "$DATA23" && pwd)
MVROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$MVROOT"  # import updates the shipped rules (the checkout's rules/) only when run inside the checkout
imp() { $MV import "$@" --retrieved "$RETRIEVED" --format text | sed -n '1,2p'; }

# Binance USDⓈ-M: bracket history (freqtrade git, 8 majors), exchangeInfo versions, then the freqtrade 2026.9 brackets.
for f in "$DATA"/versions/binance-usdm-perpetual.tiers.*.json; do
  d=$(basename "$f" .json | sed 's/.*tiers\.//')
  imp binance/usdm-perpetual --tiers "$f" --source "freqtrade-git-$d" --effective "$d"
done
for f in "$DATA"/versions/binance-usdm-perpetual.markets.*.json; do
  d=$(basename "$f" .json | sed 's/.*markets\.//')
  imp binance/usdm-perpetual --markets "$f" --source "binance-exchangeinfo-$d" --effective "$d"
done
imp binance/usdm-perpetual --tiers "$DATA/binance-usdm-perpetual.tiers.json" --source freqtrade-2026.9 --effective 2026-09-29

# Bybit: the ccxt static markets, and the BTCUSDT risk-limit tiers transcribed from the margin-parameters page.
imp bybit/linear-perpetual --markets "$DATA/bybit-linear-perpetual.markets.json" --source ccxt-static-bybit
$MV import bybit/linear-perpetual --tiers "$MVROOT/tests/fixtures/ccxt/bybit-linear-btcusdt-tiers-2026-11-21.json" \
  --source margin-parameters --retrieved 2026-11-21 | sed -n '1,2p'
imp bybit/inverse-perpetual --markets "$DATA/bybit-inverse-perpetual.markets.json" --source ccxt-static-bybit

# OKX, KuCoin, Binance COIN-M and spot margin: ccxt static markets (undated recordings).
imp okx/linear-swap --markets "$DATA/okx-linear-swap.markets.json"
imp okx/inverse-swap --markets "$DATA/okx-inverse-swap.markets.json"
imp okx/spot-margin --markets "$DATA/okx-spot-margin.markets.json"
imp kucoin/linear-perpetual --markets "$DATA/kucoin-linear-perpetual.markets.json"
imp kucoin/inverse-perpetual --markets "$DATA/kucoin-inverse-perpetual.markets.json"
imp kucoin/spot-margin --markets "$DATA/kucoin-spot-margin.markets.json"
imp binance/coinm-perpetual --markets "$DATA/binance-coinm-perpetual.markets.json"
imp binance/spot-margin --markets "$DATA/binance-spot-margin.markets.json"

# Hyperliquid: meta of 2023-07-17 (SDK cassette), then the undated current meta.
imp hyperliquid/perpetual --markets "$DATA/versions/hyperliquid-perpetual.markets.2023-07-17.json" \
  --tiers "$DATA/versions/hyperliquid-perpetual.tiers.2023-07-17.json" --source hyperliquid-meta-2023-07-17 --effective 2023-07-17
imp hyperliquid/perpetual --markets "$DATA/hyperliquid-perpetual.markets.json" --tiers "$DATA/hyperliquid-perpetual.tiers.json" \
  --source hyperliquid-meta-vj0246

# Issue 23: GoCryptoTrader's recorded Binance exchangeInfo answers (COIN-M 25 perpetuals, spot-margin pairs of 2020 and
# 2025, USDⓈ-M history of 25 markets) and Hyperliquid's 2023-03-27 meta (no maxLeverage in that schema).
imp23() { $MV import "$@" --retrieved "$RETRIEVED23" --format text | sed -n '1,2p'; }
imp23 binance/coinm-perpetual --markets "$DATA23/binance-coinm-perpetual.markets.json" --source gct-binance-2025-08-07 --effective 2025-08-07
imp23 binance/spot-margin --markets "$DATA23/versions/binance-spot-margin.markets.2020-04-15.json" --source gct-binance-2020-04-15 --effective 2020-04-15
imp23 binance/spot-margin --markets "$DATA23/binance-spot-margin.markets.json" --source gct-binance-2025-08-07 --effective 2025-08-07
imp23 binance/usdm-perpetual --markets "$DATA23/versions/binance-usdm-perpetual.markets.2025-08-07.json" --source gct-binance-2025-08-07 --effective 2025-08-07
imp23 hyperliquid/perpetual --markets "$DATA23/versions/hyperliquid-perpetual.markets.2023-03-27.json" --source hyperliquid-meta-2023-03-27 --effective 2023-03-27
# Bybit's full v2 symbols answer of 2023-08-16 (GoCryptoTrader's recording, read by ccxt 1.93.1): 239 USDT and 8
# inverse perpetuals.  Its BTCUSDT risk limits (versions/bybit-linear-perpetual.tiers.2023-08-16.json) are not imported:
# the v2 limits carry no maintenance deduction, which the catalog's tier layout requires (MV822).
imp23 bybit/linear-perpetual --markets "$DATA23/versions/bybit-linear-perpetual.markets.2023-08-16.json" --source gct-bybit-2023-08-16 --effective 2023-08-16
imp23 bybit/inverse-perpetual --markets "$DATA23/versions/bybit-inverse-perpetual.markets.2023-08-16.json" --source gct-bybit-2023-08-16 --effective 2023-08-16

# Issue 23, OKX (DATA23OKX: /work/research/i23-okx-markets, its PROVENANCE.md): nautilus_trader's recorded OKX
# MARGIN instruments answer (4 pairs), parsed by ccxt 4.5.90 as load_markets() parses the SPOT listing.
if [ -n "${DATA23OKX:-}" ]; then
  DATA23OKX=$(cd "$DATA23OKX" && pwd)
  $MV import okx/spot-margin --markets "$DATA23OKX/okx-spot-margin.markets.nautilus.json" \
    --source nautilus-okx-margin-instruments --retrieved 2026-12-07 --format text | sed -n '1,2p'
fi

# Issue 30: Gate and Bitget USDT perpetuals, from DATA30 (the research folder /work/research/i30/market-data: ccxt
# 4.5.90's conversions of ccxt's static test catalogs and of the recorded tier answers; its NOTES.md and MANIFEST.json
# say where each came from), read on 2026-12-07.  Their tiers give rates only: the catalogs derive the amounts.
DATA30=${DATA30:?set DATA30 to the folder of the issue-30 recorded dumps (research/i30/market-data)}
DATA30=$(cd "$DATA30" && pwd)
imp30() { $MV import "$@" --retrieved 2026-12-07 --format text | sed -n '1,2p'; }
imp30 gate/usdt-perpetual --tiers "$DATA30/gate-usdt-perpetual.tiers.json" --source ccxt-pr-20879 --effective 2024-01-19
imp30 gate/usdt-perpetual --markets "$DATA30/gate-usdt-perpetual.markets.json" --source ccxt-static-gate --effective 2026-05-31
imp30 bitget/usdt-perpetual --tiers "$DATA30/bitget-usdt-perpetual.tiers.json" --source bitget-docs-position-tier --effective 2023-09-27
imp30 bitget/usdt-perpetual --markets "$DATA30/bitget-usdt-perpetual.markets.json" --source ccxt-static-bitget
# dYdX v4 (issue 30): the indexer's /v4/perpetualMarkets as ccxt's dydx parse_market writes it, in date order
# (DATA30: the issue-30 research folder's market-data/, whose NOTES.md and MANIFEST.json say where each came from).
if [ -n "${DATA30:-}" ]; then
  DATA30=$(cd "$DATA30" && pwd)
  $MV import dydx/v4-perpetual --markets "$DATA30/dydx-v4-perpetual.markets.json" --source nautilus-indexer-2024-08-22 \
    --effective 2024-08-22 --retrieved 2026-12-07 --format text | sed -n '1,2p'
  $MV import dydx/v4-perpetual --markets "$DATA30/versions/dydx-v4-perpetual.markets.2025-07-29.json" \
    --source ccxt-static-dydx-2025-07-29 --effective 2025-07-29 --retrieved 2026-12-07 --format text | sed -n '1,2p'
  $MV import dydx/v4-perpetual --markets "$DATA30/versions/dydx-v4-perpetual.markets.2025-12-08.json" \
    --source nautilus-indexer-2025-12-08 --effective 2025-12-08 --retrieved 2026-12-07 --format text | sed -n '1,2p'
fi
# Issue 23, KuCoin: XBTUSDTM (and DASHUSDTM) as KuCoin's own API documentation shows them, 2022-03-24 and 2025-03-11
# (converted by ccxt 4.5.90's kucoinfutures.fetch_markets() answered from the record; tests/fixtures/ccxt/README.md).
for d in 2022-03-24 2025-03-11; do
  case $d in 2022-03-24) src=kucoin-docs-contracts-2022-03-24 ;; *) src=kucoin-sdk-contract-2025-03-11 ;; esac
  $MV import kucoin/linear-perpetual --markets "$MVROOT/tests/fixtures/ccxt/kucoin-linear-markets-$d.json" \
    --source "$src" --effective "$d" --retrieved 2026-12-07 --format text | sed -n '1,2p'
done
# Binance COIN-M ETH/USD:ETH brackets (truistin/coinsrc's hand-typed eth_cm_mmr, committed 2024-02-17; the fixture's
# README row and the catalog source say how it was read and what it disagrees with): rates, caps and cum in ETH.
$MV import binance/coinm-perpetual --tiers "$MVROOT/tests/fixtures/ccxt/binance-coinm-ethusd-tiers-2024-02-17.json" \
  --source coinsrc-cm-brackets-2024-02-17 --effective 2024-02-17 --retrieved 2026-12-07 --format text | sed -n '1,2p'
