"""Sentences the reader says about a book, in every report language, defined once.

What the reader assumes about a book (:mod:`cs_reports.data.assumptions`) is printed next to
the figures it touches, in the report's language: a pt-BR finance report must not carry English
lines. Each sentence is a :class:`Text`: a key of :data:`MESSAGES` and its parameters, rendered
in any language of the catalogue. The English rendering is the assumption's ``text`` (what
``validate`` prints); a report renders the same entry in its own language. A parameter may be a
:class:`Text` itself (a clause), or a tuple of them (joined with commas).

Numbers are formatted by the template's format spec in the language's convention (``{n:,}``:
1,234 in English, 1.234 in Portuguese; ``{share:.0%}``: 62%).

Examples
--------
>>> months = Text.of("scheduled_mrr", n=1234, month="2026-10")
>>> months.render("en")
'1,234 service month(s) after the reporting month 2026-10 are kept apart as scheduled MRR (book.scheduled_mrr), not counted in MRR.'
>>> months.render("pt-BR")
'1.234 mês(es) de serviço depois do mês de referência 2026-10 ficam à parte como MRR agendado (book.scheduled_mrr), fora do MRR.'
>>> Text.from_json(months.to_json()) == months
True
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Union

__all__ = ["LANGS", "MESSAGES", "Text", "base_lang"]

#: The catalogue's languages; en-US and en-GB read the ``en`` sentences.
LANGS = ("en", "pt-BR")

Param = Union[str, int, float, "Text", tuple["Text", ...]]

#: key -> language -> sentence (a ``str.format`` template over the :class:`Text`'s parameters).
MESSAGES: dict[str, dict[str, str]] = {
    # --- the book (data/book.py) -------------------------------------------------------------
    "invoices_after_run_date": {
        "en": "{n:,} invoice(s) start after the run date {date} ({unit} {rows}); check the export date.",
        "pt-BR": "{n:,} fatura(s) começam depois da data de execução {date} ({unit} {rows}); confira a data da "
        "exportação.",
    },
    "rows": {"en": "rows", "pt-BR": "linhas"},
    "lines": {"en": "lines", "pt-BR": "linhas"},
    "scheduled_mrr": {
        "en": "{n:,} service month(s) after the reporting month {month} are kept apart as scheduled MRR "
        "(book.scheduled_mrr), not counted in MRR.",
        "pt-BR": "{n:,} mês(es) de serviço depois do mês de referência {month} ficam à parte como MRR agendado "
        "(book.scheduled_mrr), fora do MRR.",
    },
    "spreading_months": {
        "en": "Invoices spread in equal parts over the months of their service period (policy 'months'), to the cent (no phantom "
        "churn); credit notes net against the same client and month.",
        "pt-BR": "Faturas distribuídas em partes iguais pelos meses do período de serviço (política 'months'), ao centavo (sem churn "
        "fantasma); notas de crédito abatem o mesmo cliente e mês.",
    },
    "spreading_days": {
        "en": "Invoices spread by the service days in each month (policy 'days'), to the cent (no phantom churn); credit notes net "
        "against the same client and month.",
        "pt-BR": "Faturas distribuídas pelos dias de serviço de cada mês (política 'days'), ao centavo (sem churn fantasma); notas de "
        "crédito abatem o mesmo cliente e mês.",
    },
    "quarantine": {
        "en": "{n:,} client(s) set aside for problems in their rows: {ids}.",
        "pt-BR": "{n:,} cliente(s) deixados de fora por problemas em suas linhas: {ids}.",
    },
    "ignored": {"en": "Ignored: {reason}.", "pt-BR": "Ignorado: {reason}."},
    # --- defaults for missing Clients values (data/declare.py) -------------------------------
    "default_gross_margin": {
        "en": "Gross margin missing for {k:,} of {n:,} client(s): their own LTV uses a 100% margin (a revenue LTV, "
        "not a margin LTV); the portfolio's LTV, LTV:CAC and CAC payback use the mean margin of the paying "
        "clients that have one (100% when none has).",
        "pt-BR": "Margem bruta ausente em {k:,} de {n:,} cliente(s): o LTV de cada um usa margem de 100% (um LTV de "
        "receita, não de margem); o LTV, o LTV:CAC e o payback do CAC da carteira usam a margem média dos "
        "clientes pagantes que a têm (100% se nenhum tiver).",
    },
    "default_currency": {
        "en": "Currency missing for {k:,} of {n:,} client(s): BRL assumed.",
        "pt-BR": "Moeda ausente em {k:,} de {n:,} cliente(s): BRL assumido.",
    },
    "default_locale": {
        "en": "Report language missing for {k:,} of {n:,} client(s): pt-BR assumed.",
        "pt-BR": "Idioma do relatório ausente em {k:,} de {n:,} cliente(s): pt-BR assumido.",
    },
    "default_name": {
        "en": "Name missing for {k:,} of {n:,} client(s): the client id is shown instead.",
        "pt-BR": "Nome ausente em {k:,} de {n:,} cliente(s): o id do cliente aparece no lugar.",
    },
    # --- currencies and the reporting month (data/billing.py) --------------------------------
    "currency_converted": {
        "en": "{n:,} amount(s) in {currencies} converted to the client's currency at the FX sheet's rate of their "
        "month.",
        "pt-BR": "{n:,} valor(es) em {currencies} convertidos para a moeda do cliente pela taxa da planilha FX do "
        "seu mês.",
    },
    "month_chosen": {
        "en": "Reporting month {month}: chosen with --month.",
        "pt-BR": "Mês de referência {month}: escolhido com --month.",
    },
    "month_beyond_run_date": {
        "en": "Reporting month {month}: every billed month lies beyond the run date {date}.",
        "pt-BR": "Mês de referência {month}: todos os meses faturados são posteriores à data de execução {date}.",
    },
    "month_latest": {
        "en": "Reporting month {month}: the latest billed month up to the run date {date}{later}{kept}.{stepped}",
        "pt-BR": "Mês de referência {month}: o último mês faturado até a data de execução {date}{later}{kept}."
        "{stepped}",
    },
    "month_later_rows": {
        "en": " ({n:,} row(s) bill later months: scheduled, not counted)",
        "pt-BR": " ({n:,} linha(s) faturam meses posteriores: agendadas, fora da conta)",
    },
    "month_gap": {
        "en": "{month} ({share:.0%} of {previous}'s MRR has no row in it)",
        "pt-BR": "{month} ({share:.0%} do MRR de {previous} não tem linha nele)",
    },
    "month_past_gap_kept": {
        "en": "; {gap}: a month of the past kept, check the export",
        "pt-BR": "; {gap}: mês do passado mantido, confira a exportação",
    },
    "month_partial_skipped": {
        "en": " Visibly partial month(s) not reported: {gaps}.",
        "pt-BR": " Mês(es) visivelmente parciais não reportados: {gaps}.",
    },
    # --- columns (data/checks.py) ------------------------------------------------------------
    "datetime_combined": {
        "en": "Columns '{date}' and '{time}' combined into '{field}' (the date and its time of day).",
        "pt-BR": "Colunas '{date}' e '{time}' combinadas em '{field}' (a data e a hora do dia).",
    },
    "date_month_first": {
        "en": "Column '{header}' read month-first (MM/DD/YYYY): {why}.",
        "pt-BR": "Coluna '{header}' lida com o mês primeiro (MM/DD/AAAA): {why}.",
    },
    "why_second_part_over_12": {"en": "a value has a second part > 12", "pt-BR": "um valor tem a segunda parte > 12"},
    "why_12_hour_clock": {
        "en": "it writes a 12-hour clock (AM/PM) of en-US exports",
        "pt-BR": "ela usa o relógio de 12 horas (AM/PM) das exportações en-US",
    },
    "date_day_first": {
        "en": "Column '{header}' read day-first (DD/MM/YYYY, pt-BR): no value proves the order.",
        "pt-BR": "Coluna '{header}' lida com o dia primeiro (DD/MM/AAAA, pt-BR): nenhum valor comprova a ordem.",
    },
    "tz_converted": {
        "en": "Column '{header}': {n:,} timestamp(s) with a time zone converted to {tz}.",
        "pt-BR": "Coluna '{header}': {n:,} data(s) e hora(s) com fuso horário convertidas para {tz}.",
    },
    "tz_instants_dated": {
        "en": "Column '{header}': {n:,} timestamp(s) with a time of day converted to {tz} before taking their "
        "date{midnight}.",
        "pt-BR": "Coluna '{header}': {n:,} data(s) com hora do dia convertidas para {tz} antes de tomar a data"
        "{midnight}.",
    },
    "tz_and_midnights": {
        "en": "; {n:,} midnight value(s) read as the date written",
        "pt-BR": "; {n:,} valor(es) de meia-noite lidos como a data escrita",
    },
    "tz_midnights": {
        "en": "Column '{header}': {n:,} midnight instant(s) (e.g. 2026-03-01T00:00:00Z) read as the date written, "
        "not moved by a time-zone conversion.",
        "pt-BR": "Coluna '{header}': {n:,} instante(s) de meia-noite (ex.: 2026-03-01T00:00:00Z) lidos como a data "
        "escrita, sem conversão de fuso horário.",
    },
    "percent_as_shares": {
        "en": "Column '{header}' ({unit}): values up to 1 read as shares (0.82 = 82%).",
        "pt-BR": "Coluna '{header}' ({unit}): valores até 1 lidos como frações (0,82 = 82%).",
    },
    "percent_as_points": {
        "en": "Column '{header}' ({unit}): values read as percentage points (82 = 82%), a value above 1 proves it.",
        "pt-BR": "Coluna '{header}' ({unit}): valores lidos como pontos percentuais (82 = 82%), um valor acima de 1 "
        "o comprova.",
    },
    # --- words used inside other sentences ----------------------------------------------------
    "row": {"en": "row", "pt-BR": "linha"},
    "line": {"en": "line", "pt-BR": "linha"},
    "Sheet": {"en": "Sheet", "pt-BR": "Planilha"},
    "File": {"en": "File", "pt-BR": "Arquivo"},
    "sheet": {"en": "sheet", "pt-BR": "planilha"},
    "file": {"en": "file", "pt-BR": "arquivo"},
    "a_pipe": {"en": "a pipe", "pt-BR": "uma barra vertical"},
    "a_tab": {"en": "a tab", "pt-BR": "uma tabulação"},
    "by_its_name": {"en": "by its name", "pt-BR": "pelo nome"},
    "by_its_header": {
        "en": "by its header (its name is not '{table}')",
        "pt-BR": "pelo cabeçalho (o nome não é '{table}')",
    },
    "and_more": {"en": " and {n:,} more", "pt-BR": " e mais {n:,}"},
    "unit_check_percent": {
        "en": "points (82) or a share (0.82), decided per column",
        "pt-BR": "pontos (82) ou fração (0,82), decidido por coluna",
    },
    "unit_check_currency": {"en": "the currency of each amount", "pt-BR": "a moeda de cada valor"},
    "rows_skipped": {"en": "rows skipped", "pt-BR": "linhas ignoradas"},
    "left_blank": {"en": "left blank", "pt-BR": "deixados em branco"},
    "and_blank": {"en": ", blank", "pt-BR": ", em branco"},
    # --- why a sheet or file is not read (``Ignored: ...``) -----------------------------------
    "reason_notes_sheet": {"en": "a notes sheet", "pt-BR": "uma planilha de anotações"},
    "reason_empty_unnamed": {
        "en": "empty, and its name is not a contract table",
        "pt-BR": "vazia, e o nome não é uma tabela do contrato de dados",
    },
    "reason_no_match": {
        "en": "its name and header match no table of the data contract (rename it to use it)",
        "pt-BR": "nome e cabeçalho não correspondem a nenhuma tabela do contrato de dados (renomeie para usá-la)",
    },
    "reason_not_text": {"en": "not a CSV or text file", "pt-BR": "não é um arquivo CSV ou de texto"},
    # --- how sheets, files and rows were read (data/reader.py, data/xlsx_sheets.py, data/csv_files.py) -------------
    "read_by_header": {
        "en": "{where} '{name}' read as the '{table}' table {how}.",
        "pt-BR": "{where} '{name}' lida como a tabela '{table}' {how}.",
    },
    "mrr_two_sources": {
        "en": "MRR comes from {where} '{name}' (read as the '{table}' table) and from the '{other}' table, each "
        "client from one of them; a client in both is refused.",
        "pt-BR": "O MRR vem da {where} '{name}' (lida como a tabela '{table}') e da tabela '{other}', cada cliente "
        "de uma delas; um cliente nas duas é recusado.",
    },
    "title_rows": {
        "en": "The header is in {unit} {n}; {units} {span} above it (a title) ignored.",
        "pt-BR": "O cabeçalho está na {unit} {n}; {units} {span} acima dele (um título) ignorada(s).",
    },
    "subtotal_rows": {
        "en": "{n:,} subtotal {unit}(s) {shown} (Excel Data > Subtotal, 'C0001 Total') skipped.",
        "pt-BR": "{n:,} {unit}(s) de subtotal {shown} (Excel Dados > Subtotal, 'C0001 Total') ignorada(s).",
    },
    "totals_rows": {
        "en": "Totals {unit} {rows} skipped (not a client's data).",
        "pt-BR": "{unit} de totais {rows} ignorada (não são dados de um cliente).",
    },
    "merged_cells": {
        "en": "Merged cells {cells}{more}: the value of each merged block was filled down its rows.",
        "pt-BR": "Células mescladas {cells}{more}: o valor de cada bloco mesclado foi copiado para as suas linhas.",
    },
    "sep_line": {
        "en": "{file}: first line 'sep={sep}' read as the separator.",
        "pt-BR": "{file}: primeira linha 'sep={sep}' lida como o separador.",
    },
    "sep_frequent": {
        "en": "{file}: fields separated by {name} ('{sep}'), the most frequent separator.",
        "pt-BR": "{file}: campos separados por {name} ('{sep}'), o separador mais frequente.",
    },
    "utf16": {
        "en": "{file} is UTF-16 text (Excel 'Unicode Text'); read as such.",
        "pt-BR": "{file} é texto UTF-16 ('Texto Unicode' do Excel); lido assim.",
    },
    "not_utf8": {
        "en": "{file} is not UTF-8; read it as Windows-1252 (Latin-1).",
        "pt-BR": "{file} não está em UTF-8; lido como Windows-1252 (Latin-1).",
    },
    "mixed_encodings": {
        "en": "{file} mixes encodings: {n:,} line(s) ({shown}) are Windows-1252 (an older export appended?), "
        "decoded as such; the other {utf8:,} line(s) with accents as UTF-8.",
        "pt-BR": "{file} mistura codificações: {n:,} linha(s) ({shown}) estão em Windows-1252 (uma exportação "
        "antiga anexada?) e foram lidas assim; as outras {utf8:,} linha(s) com acentos, como UTF-8.",
    },
    # --- columns (data/validate.py, data/cells.py) --------------------------------------------
    "name_column": {
        "en": "Column '{header}' read as the client's name (the id is in another column).",
        "pt-BR": "Coluna '{header}' lida como o nome do cliente (o id está em outra coluna).",
    },
    "name_column_ignored": {
        "en": "Column '{header}' ignored: a client name beside the id column.",
        "pt-BR": "Coluna '{header}' ignorada: um nome de cliente ao lado da coluna de id.",
    },
    "headers_mapped": {
        "en": "Headers read as contract columns: {mapped}.",
        "pt-BR": "Cabeçalhos lidos como colunas do contrato: {mapped}.",
    },
    "header_unit": {
        "en": "Header '{header}' read as '{field}'; its unit {unit} checks the values ({check}).",
        "pt-BR": "Cabeçalho '{header}' lido como '{field}'; a unidade {unit} confere os valores ({check}).",
    },
    "sheet_empty": {
        "en": "{where} '{name}' is empty: no {table} rows read.",
        "pt-BR": "{where} '{name}' está vazia: nenhuma linha de {table} lida.",
    },
    "sheet_header_only": {
        "en": "{where} '{name}' has a header only: no {table} rows read.",
        "pt-BR": "{where} '{name}' só tem o cabeçalho: nenhuma linha de {table} lida.",
    },
    "formulas_blank": {
        "en": "Column '{header}': {n:,} formula(s) without a saved value kept blank.",
        "pt-BR": "Coluna '{header}': {n:,} fórmula(s) sem valor salvo mantida(s) em branco.",
    },
    "date_1904": {
        "en": "Column '{header}': serial numbers read in the workbook's 1904 date system (from 1904-01-01).",
        "pt-BR": "Coluna '{header}': números seriais lidos no sistema de datas 1904 da pasta de trabalho "
        "(a partir de 1904-01-01).",
    },
    "ids_respelled": {
        "en": "Column '{header}': {n:,} id(s) written with Excel's '=\"...\"' wrapper, surrounding, non-breaking or "
        "zero-width spaces read without them (one spelling of each id in every sheet).",
        "pt-BR": "Coluna '{header}': {n:,} id(s) escritos com o invólucro '=\"...\"' do Excel ou com espaços "
        "ao redor, não separáveis ou de largura zero, lidos sem eles (uma grafia de cada id em todas as planilhas).",
    },
    "thousand_dots": {
        "en": "Column '{header}': '1.234' read as one thousand two hundred thirty-four (pt-BR thousand dots).",
        "pt-BR": "Coluna '{header}': '1.234' lido como mil duzentos e trinta e quatro (ponto de milhar, pt-BR).",
    },
    "non_answers": {
        "en": "Column '{header}': {n:,} non-answer(s) (N/A, '-'{blank}) {what}, not counted as scores.",
        "pt-BR": "Coluna '{header}': {n:,} não resposta(s) (N/A, '-'{blank}) {what}, fora das notas.",
    },
    # --- how to override (the ``override`` of an assumption) ---------------------------------
    "override": {"en": "override: {how}", "pt-BR": "para mudar: {how}"},
    "fill_clients_column": {
        "en": "fill the Clients column '{column}' ({label})",
        "pt-BR": "preencha a coluna '{column}' ({label}) de Clients",
    },
    "fix_their_rows": {"en": "fix their rows", "pt-BR": "corrija as linhas deles"},
    "edit_fx_sheet": {"en": "edit the FX sheet", "pt-BR": "edite a planilha FX"},
    "month_of_the_data": {
        "en": "--month YYYY-MM (a month of the data)",
        "pt-BR": "--month YYYY-MM (um mês dos dados)",
    },
    "month_or_check_export": {
        "en": "--month YYYY-MM, or check the export and the run date",
        "pt-BR": "--month YYYY-MM, ou confira a exportação e a data de execução",
    },
    "rename_header": {
        "en": "rename the header to the contract name (docs/data.md)",
        "pt-BR": "renomeie o cabeçalho para o nome do contrato (docs/data.md)",
    },
    "name_the_source": {"en": "name the {where} '{table}'", "pt-BR": "dê à {where} o nome '{table}'"},
    "excel_1904_option": {
        "en": "File > Options > Advanced > 'Use 1904 date system' in Excel",
        "pt-BR": "Arquivo > Opções > Avançado > 'Usar sistema de data 1904' no Excel",
    },
    "write_decimals": {
        "en": "write the amounts with decimals (1.234,00) or as numbers",
        "pt-BR": "escreva os valores com decimais (1.234,00) ou como números",
    },
    "write_iso_dates": {"en": "write dates as YYYY-MM-DD", "pt-BR": "escreva as datas como AAAA-MM-DD"},
}


def base_lang(lang: str) -> str:
    """The catalogue language of a report language (``en-US``/``en-GB`` -> ``en``).

    >>> base_lang("en-GB"), base_lang("pt-BR")
    ('en', 'pt-BR')
    """
    if lang in LANGS:
        return lang
    if lang.split("-")[0] == "en":
        return "en"
    raise ValueError(f"Language must be one of {', '.join(LANGS)} (or en-US, en-GB); got {lang!r}.")


_PT_MARKS = str.maketrans(",.", ".,")  # 1,234.5 -> 1.234,5


class _Formatter(string.Formatter):
    """``str.format`` with the language's digit grouping and decimal mark; clauses rendered in the same language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, Text):
            return value.render(self.lang)
        if isinstance(value, tuple):
            return ", ".join(v.render(self.lang) if isinstance(v, Text) else str(v) for v in value)
        out: str = super().format_field(value, format_spec)
        if self.lang == "pt-BR" and isinstance(value, int | float) and not isinstance(value, bool):
            out = out.translate(_PT_MARKS)
        return out


@dataclass(frozen=True, slots=True)
class Text:
    """A sentence of :data:`MESSAGES`: its key and parameters, rendered in any catalogue language."""

    key: str
    params: tuple[tuple[str, Param], ...] = ()

    def __post_init__(self) -> None:
        if self.key not in MESSAGES:
            raise ValueError(f"Message key must be one of cs_reports.data.messages.MESSAGES; got {self.key!r}.")

    @classmethod
    def of(cls, key: str, **params: Param) -> Text:
        """The sentence ``key`` with ``params`` (lists become tuples, so a Text is hashable)."""
        return cls(key, tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))

    def render(self, lang: str = "en") -> str:
        """The sentence in ``lang`` (a report language: en, en-US, en-GB, pt-BR)."""
        return _Formatter(base_lang(lang)).format(MESSAGES[self.key][base_lang(lang)], **dict(self.params))

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form (the snapshot and ``metrics --format json`` store it)."""
        return {"key": self.key, "params": [[k, _param_json(v)] for k, v in self.params]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Text:
        """The :class:`Text` back from :meth:`to_json`."""
        return cls(str(data["key"]), tuple((str(k), _param_back(v)) for k, v in data["params"]))


def _param_json(value: Param) -> Any:
    if isinstance(value, Text):
        return {"text": value.to_json()}
    if isinstance(value, tuple):
        return {"texts": [v.to_json() for v in value]}
    return value


def _param_back(value: Any) -> Param:
    if isinstance(value, dict) and "text" in value:
        return Text.from_json(value["text"])
    if isinstance(value, dict) and "texts" in value:
        return tuple(Text.from_json(v) for v in value["texts"])
    return value  # type: ignore[no-any-return]
