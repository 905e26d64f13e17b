// Label, annotation and label-selector checks (metav1 validation) and selector matching (labels.Selector).
import { type FieldError, child, forbidden, index, invalid, pushAll, required, tooLong } from './field-errors';
import { utf8Length } from './go-format';
import { isQualifiedName, isValidLabelValue } from './names';
import type { LabelSelectorManifest } from './job-schema';
import type { Labels } from './types';

const TOTAL_ANNOTATION_SIZE_LIMIT_BYTES = 256 * 1024;

/** ValidateLabelName: the errors are reported against the map's path, with the key as the value. */
export function validateLabelName(name: string, path: string): FieldError[] {
  return isQualifiedName(name).map((m) => invalid(path, name, m));
}

/** unversionedvalidation.ValidateLabels. */
export function validateLabels(labels: Labels | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    pushAll(errs, validateLabelName(k, path));
    pushAll(errs, isValidLabelValue(v).map((m) => invalid(path, v, m)));
  }
  return errs;
}

/** ValidateAnnotations: keys are qualified names (case-insensitive); all of them at most 256 KiB. */
export function validateAnnotations(annotations: Labels | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    pushAll(errs, isQualifiedName(k.toLowerCase()).map((m) => invalid(path, k, m)));
    size += utf8Length(k) + utf8Length(v);
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT_BYTES)
    errs.push(tooLong(path, `must have at most ${TOTAL_ANNOTATION_SIZE_LIMIT_BYTES} bytes`));
  return errs;
}

/** ValidateLabelSelector (label values in selectors are checked too). */
export function validateLabelSelector(selector: LabelSelectorManifest, path: string): FieldError[] {
  const errs = validateLabels(selector.matchLabels, child(path, 'matchLabels'));
  (selector.matchExpressions ?? []).forEach((req, i) => {
    const p = index(child(path, 'matchExpressions'), i);
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) errs.push(required(child(p, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0)
          errs.push(forbidden(child(p, 'values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        errs.push(invalid(child(p, 'operator'), req.operator ?? '', 'not a valid selector operator'));
    }
    pushAll(errs, validateLabelName(req.key ?? '', child(p, 'key')));
    values.forEach((v, j) => pushAll(errs, isValidLabelValue(v).map((m) => invalid(index(child(p, 'values'), j), v, m))));
  });
  return errs;
}

/**
 * Whether the selector selects `labels`; undefined when the selector cannot be converted (an invalid
 * selector, already reported by validateLabelSelector). An empty selector selects everything.
 */
export function selectorMatches(selector: LabelSelectorManifest, labels: Labels | undefined): boolean | undefined {
  if (validateLabelSelector(selector, '').length > 0) return undefined;
  const has = (k: string): boolean => labels !== undefined && Object.hasOwn(labels, k);
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (!has(k) || labels?.[k] !== v) return false;
  for (const req of selector.matchExpressions ?? []) {
    const k = req.key ?? '';
    const values = req.values ?? [];
    const value = labels?.[k];
    const ok =
      req.operator === 'In'
        ? has(k) && value !== undefined && values.includes(value)
        : req.operator === 'NotIn'
          ? !has(k) || value === undefined || !values.includes(value)
          : req.operator === 'Exists'
            ? has(k)
            : !has(k);
    if (!ok) return false;
  }
  return true;
}
