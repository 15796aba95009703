'use strict';
// The admin's autocomplete list filters (reservation/admin/filters.py): choosing a person reloads the list
// filtered by them; clearing the choice removes the filter. Page numbers are dropped, as Django's filters do.
{
    const $ = django.jQuery;
    $(document).on('change', 'select.support-filter', function () {
        const url = new URL(window.location.href);
        if (this.value) {
            url.searchParams.set(this.name, this.value);
        } else {
            url.searchParams.delete(this.name);
        }
        url.searchParams.delete('p');
        window.location.assign(url.toString());
    });
}
